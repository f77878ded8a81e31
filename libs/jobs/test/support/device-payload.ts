import { Type } from 'class-transformer';
import {
  Allow,
  IsInt,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';

/** A nested payload class, for the payload-safety and fuzz specs. */
export class Target {
  @IsString() host!: string;
}

/** A payload class with a nested class and a free-form field (`extra`), as hostile data meets it. */
export class Device {
  @IsInt() @Min(1) deviceId!: number;
  @IsOptional() @ValidateNested() @Type(() => Target) target?: Target;
  @IsOptional() @Allow() extra?: unknown;
}
