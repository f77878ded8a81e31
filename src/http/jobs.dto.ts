import { IsOptional, Matches } from 'class-validator';

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const NAME_HINT = 'letters, digits, "_", "-" or "." (at most 100)';

export class JobNameParams {
  @Matches(NAME, { message: `job name must be ${NAME_HINT}` })
  name: string;
}

export class EnqueueQuery {
  @IsOptional()
  @Matches(NAME, { message: `queue must be ${NAME_HINT}` })
  queue?: string;
}

export class JobIdParams {
  @Matches(/^[A-Za-z0-9_.:-]{1,200}$/, {
    message: 'id must be a job id as returned by POST /jobs/:name',
  })
  id: string;
}
