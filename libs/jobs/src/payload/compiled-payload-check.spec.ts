import 'reflect-metadata';
import { Expose, plainToInstance, Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsBoolean,
  IsDate,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import {
  PayloadCheckCompiler,
  type PayloadClass,
} from './compiled-payload-check';
import { PayloadValidator } from './payload-validator';
import { JobValidationError } from '../errors/job-validation.error';
import { resolveJobsConfig } from '../config/jobs-config';

// The fast payload check must never accept what class-validator rejects, and should accept what
// it accepts, building the same instance. Each class below is checked both ways on valid data and
// on many broken variants of it.

class Window {
  @IsInt() @Min(0) @Max(23) startHour: number;
  @IsInt() @Min(1) @Max(24) hours: number;
}

class Backup {
  @IsInt() @Min(1) deviceId: number;
  @IsIn(['full', 'incremental']) kind: string;
  @IsString({ each: true }) @ArrayMaxSize(3) tags: string[];
  @IsOptional() @IsBoolean() verify?: boolean;
  @IsOptional() @IsString() @MaxLength(5) note?: string;
  @ValidateNested() @Type(() => Window) window: Window;
}

class Named {
  @IsString() name: string;
}

class Device extends Named {
  @IsInt() port: number;
  @IsOptional() @Allow() comment?: unknown;
}

class Item {
  @IsString() sku: string;
  @IsOptional() @ValidateNested() @Type(() => Item) child?: Item;
}

class Order {
  @ValidateNested({ each: true })
  @Type(() => Item)
  @ArrayMaxSize(2)
  items: Item[];
  @IsDefined() ref: unknown;
}

class Conditional {
  @IsIn(['full', 'diff']) kind: string;
  @ValidateIf((o: Conditional) => o.kind === 'full')
  @IsInt()
  @Min(10)
  depth?: number;
}

class WithDefault {
  @IsIn(['low', 'normal', 'high']) priority: string = 'normal';
  @IsInt() count: number;
}

@ValidatorConstraint({ name: 'even' })
class EvenConstraint implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'number' && value % 2 === 0;
  }
}

function Matches(property: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'matches',
      target: object.constructor,
      propertyName,
      constraints: [property],
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value ===
          (args.object as Record<string, unknown>)[
            args.constraints[0] as string
          ],
      },
    });
}

class Custom {
  @Validate(EvenConstraint) even: number;
  @IsString() a: string;
  @Matches('a') b: string;
}

/** Each class with valid samples; the test derives many broken variants from each. */
const COMPILED: Array<[PayloadClass, Record<string, unknown>[]]> = [
  [
    Backup,
    [
      {
        deviceId: 7,
        kind: 'full',
        tags: ['a', 'b'],
        verify: true,
        note: 'ok',
        window: { startHour: 2, hours: 3 },
      },
      {
        deviceId: 1,
        kind: 'incremental',
        tags: [],
        window: { startHour: 0, hours: 24 },
      },
    ],
  ],
  [Device, [{ name: 'r1', port: 22, comment: { any: 'thing' } }]],
  [
    Order,
    [{ items: [{ sku: 'x', child: { sku: 'y' } }, { sku: 'z' }], ref: 0 }],
  ],
  [
    Conditional,
    [
      { kind: 'full', depth: 12 },
      { kind: 'diff', depth: 1 },
    ],
  ],
  [WithDefault, [{ priority: 'high', count: 1 }, { count: 2 }]],
  [Custom, [{ even: 4, a: 'same', b: 'same' }]],
];

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  100,
  'x',
  '',
  'full',
  'toolong',
  true,
  [],
  ['a'],
  [1],
  [{}],
  {},
  { sku: 'q' },
  { startHour: 1, hours: 1 },
  ['a', 'b', 'c', 'd'],
];

/** The valid sample, then every property removed, replaced by each odd value, one nested level deep too, plus an unknown property. */
function variants(valid: Record<string, unknown>): unknown[] {
  const out: unknown[] = [valid, { ...valid, extra: 1 }, null, [], 'text', {}];
  for (const key of Object.keys(valid)) {
    const rest = { ...valid };
    delete rest[key];
    out.push(rest);
    for (const odd of ODD_VALUES) out.push({ ...valid, [key]: odd });
    const inner = valid[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      for (const innerKey of Object.keys(inner)) {
        for (const odd of ODD_VALUES)
          out.push({ ...valid, [key]: { ...inner, [innerKey]: odd } });
      }
      out.push({ ...valid, [key]: { ...inner, extra: 1 } });
    }
    if (Array.isArray(inner)) {
      for (const odd of ODD_VALUES)
        out.push({ ...valid, [key]: [...(inner as unknown[]), odd] });
    }
  }
  return out;
}

const STRICT = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
} as const;

function classValidatorAccepts(
  cls: PayloadClass,
  data: unknown,
): object | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return undefined;
  const instance = plainToInstance(cls, data);
  return validateSync(instance, STRICT).length === 0 ? instance : undefined;
}

describe('compiled payload check', () => {
  const compiler = new PayloadCheckCompiler();

  it.each(COMPILED.map(([cls, samples]) => [cls.name, cls, samples] as const))(
    '%s: accepts exactly what class-validator accepts, and builds the same instance',
    (_name, cls, samples) => {
      const compiled = compiler.compile(cls);
      if (!compiled.check)
        throw new Error(`${cls.name} was not compiled: ${compiled.reason}`);
      let accepted = 0;
      let rejected = 0;
      for (const data of samples.flatMap(variants)) {
        const expected = classValidatorAccepts(cls, data);
        const actual = compiled.check(data);
        const label = `${cls.name} ${JSON.stringify(data)}`;
        expect({ label, accepted: actual !== undefined }).toEqual({
          label,
          accepted: expected !== undefined,
        });
        if (actual && expected) {
          expect(actual).toBeInstanceOf(cls);
          expect(actual).toEqual(expected);
          accepted++;
        } else {
          rejected++;
        }
      }
      // The variants exercise both outcomes.
      expect(accepted).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(10);
    },
  );

  it('builds nested objects as instances of their @Type', () => {
    const check = compiler.compile(Order).check!;
    const order = check({
      items: [{ sku: 'x', child: { sku: 'y' } }],
      ref: 1,
    }) as Order;
    expect(order.items[0]).toBeInstanceOf(Item);
    expect(order.items[0].child).toBeInstanceOf(Item);
  });

  class Transformed {
    @Transform(({ value }) => String(value).trim())
    @IsString()
    @MaxLength(3)
    code: string;
  }
  class Dated {
    @Type(() => Date) @IsDate() at: Date;
  }
  class Exposed {
    @Expose({ name: 'n' }) @IsInt() count: number;
  }
  class Untyped {
    @ValidateNested() window: Window;
  }
  class Bare {
    name: string;
  }
  class Keyed {
    @ValidateNested({ each: true }) @Type(() => Item) items: Map<string, Item>;
  }

  it.each([
    [Transformed, /@Transform on "code"/],
    [Dated, /@Type on "at" converts its value/],
    [Exposed, /@Expose or @Exclude/],
    [Bare, /no validation decorators/],
    [Keyed, /"items" is declared as a Map or Set/],
  ] as const)('leaves %p to class-validator, saying why', (cls, reason) => {
    const compiled = compiler.compile(cls);
    expect(compiled.check).toBeUndefined();
    expect((compiled as { reason: string }).reason).toMatch(reason);
  });

  it('sends a @ValidateNested property without @Type to class-validator, which rejects it', () => {
    const check = compiler.compile(Untyped).check!;
    expect(check({ window: { startHour: 1, hours: 1 } })).toBeUndefined();
    expect(
      classValidatorAccepts(Untyped, { window: { startHour: 1, hours: 1 } }),
    ).toBeUndefined();
  });
});

describe('PayloadValidator with classes on either path', () => {
  const validator = new PayloadValidator(
    resolveJobsConfig({ queues: { default: 1 } }),
  );

  it('gives class-validator messages for a compiled class', () => {
    let error: unknown;
    try {
      validator.toInstance(
        'backup',
        {
          deviceId: 0,
          kind: 'full',
          tags: [],
          window: { startHour: 2, hours: 30 },
        },
        Backup,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).problems).toEqual([
      'deviceId must not be less than 1',
      'window.hours must not be greater than 24',
    ]);
  });

  it('converts and validates a class the fast check does not cover', () => {
    const dated = validator.toInstance(
      'dated',
      { at: '2026-11-27T10:00:00.000Z' },
      Dated,
    ) as Dated;
    expect(dated.at).toBeInstanceOf(Date);
    const trimmed = validator.toInstance(
      't',
      { code: '  ab ' },
      Transformed,
    ) as Transformed;
    expect(trimmed.code).toBe('ab');
    expect(() =>
      validator.toInstance('t', { code: 'abcdef' }, Transformed),
    ).toThrow(/code must be shorter than or equal to 3 characters/);
  });

  class Dated {
    @Type(() => Date) @IsDate() at: Date;
  }
  class Transformed {
    @Transform(({ value }) => String(value).trim())
    @IsString()
    @MaxLength(3)
    code: string;
  }
});
