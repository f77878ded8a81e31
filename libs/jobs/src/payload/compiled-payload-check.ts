import { TransformationType } from 'class-transformer';
import {
  getMetadataStorage,
  ValidationTypes,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

import { MAX_PAYLOAD_DEPTH } from './json-safety';

export type PayloadClass = new (...args: any[]) => object;

/**
 * The fast path of payload validation. `class-validator`'s `validateSync` looks up and filters the
 * class's metadata, builds error objects and walks every registered class for inherited rules on
 * each call; `plainToInstance` walks class-transformer's metadata the same way. That costs tens of
 * microseconds per job, more than BullMQ's own `addBulk` spends. Here each payload class is
 * compiled once into a plan (its properties, their conditions, the constraint objects
 * class-validator would call, nested classes), and a job's data is checked against that plan with
 * the very same constraint functions.
 *
 * The check only ever says "valid" or "not sure": `undefined` sends the caller to the full
 * class-transformer + class-validator path, which decides and writes the messages. Classes whose
 * data class-transformer would change (`@Transform`, `@Expose`/`@Exclude`, `@Type` other than on a
 * `@ValidateNested` property, discriminators), or that use `@ValidatePromise`, are not compiled at
 * all. Async constraints are skipped, as `validateSync` skips them. The metadata is read from the
 * same stores `plainToInstance` and `validateSync` use, so both paths see the same decorators. The
 * tests compare both paths on valid and broken data.
 */
export interface CompiledPayloadCheck {
  /**
   * An instance of the payload class built from `data` when `data` is valid; `undefined` when it is
   * not, or when the check cannot tell.
   */
  (data: unknown): object | undefined;
}

/** Why a class stays on the full path, for a debug log. */
export type PayloadCompilation =
  { check: CompiledPayloadCheck } | { check?: undefined; reason: string };

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];
type TypeFunction = (options: {
  newObject: object;
  object: object;
  property: string;
}) => unknown;

interface Rule {
  metadata: ValidationMetadata;
  constraints: ValidatorConstraintInterface[];
}

interface PropertyPlan {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  rules: Rule[];
  /** Set when the property has `@ValidateNested()`: the nested class comes from `@Type`. */
  nested?: {
    schema: string | undefined;
    typeFunction?: TypeFunction;
  };
}

interface ClassPlan {
  cls: PayloadClass;
  /** `cls.name`, read once: the getter is slow on a hot path. */
  name: string;
  properties: PropertyPlan[];
  /** The properties with `@ValidateNested()`. */
  nested: PropertyPlan[];
  known: Set<string>;
}

/** class-transformer's metadata store. Not part of its public index, but stable since 0.3 and used the same way by `@nestjs/mapped-types`. */
interface TransformerStorage {
  getStrategy(target: PayloadClass): string;
  getExposedMetadatas(target: PayloadClass): unknown[];
  getExcludedMetadatas(target: PayloadClass): unknown[];
  findTransformMetadatas(
    target: PayloadClass,
    property: string,
    type: TransformationType,
  ): unknown[];
  findTypeMetadata(
    target: PayloadClass,
    property: string,
  ):
    | {
        typeFunction: TypeFunction;
        reflectedType?: unknown;
        options?: { discriminator?: unknown };
      }
    | undefined;
}

function loadTransformerStorage(): TransformerStorage | undefined {
  for (const path of [
    'class-transformer/cjs/storage',
    'class-transformer/storage',
  ]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep path outside class-transformer's index, tried in two layouts at run time
      const exported = require(path) as {
        defaultMetadataStorage?: TransformerStorage;
      };
      const storage = exported.defaultMetadataStorage;
      if (storage && typeof storage.findTypeMetadata === 'function')
        return storage;
    } catch {
      // try the next layout
    }
  }
  return undefined;
}

const SUPPORTED_TYPES = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.WHITELIST,
]);

/**
 * Compiles payload classes on first use and keeps the plans. One per `PayloadValidator`: plans hold
 * constraint instances from class-validator's container, which is set up by the app.
 */
export class PayloadCheckCompiler {
  private readonly plans = new Map<
    PayloadClass,
    Map<string | undefined, ClassPlan | string>
  >();
  private readonly transformer = loadTransformerStorage();

  compile(cls: PayloadClass): PayloadCompilation {
    const plan = this.plan(cls, undefined);
    if (typeof plan === 'string') return { reason: plan };
    return { check: (data) => this.check(plan, data) };
  }

  private plan(
    cls: PayloadClass,
    schema: string | undefined,
  ): ClassPlan | string {
    let bySchema = this.plans.get(cls);
    if (!bySchema)
      this.plans.set(
        cls,
        (bySchema = new Map<string | undefined, ClassPlan | string>()),
      );
    let plan = bySchema.get(schema);
    if (plan === undefined) {
      try {
        plan = this.build(cls, schema);
      } catch (error) {
        plan = `compiling it threw: ${(error as Error).message}`;
      }
      bySchema.set(schema, plan);
    }
    return plan;
  }

  /** A plan, or the reason there is none. Same metadata query as class-validator's executor. */
  private build(
    cls: PayloadClass,
    schema: string | undefined,
  ): ClassPlan | string {
    const transformer = this.transformer;
    if (!transformer) return 'class-transformer metadata storage not found';
    const storage = getMetadataStorage();
    const metadatas = storage.getTargetValidationMetadatas(
      cls,
      schema as string,
      false,
      false,
      undefined,
    );
    // class-validator rejects a class without rules (forbidUnknownValues): let it say so.
    if (metadatas.length === 0) return 'it has no validation decorators';
    if (
      transformer.getStrategy(cls) !== 'none' ||
      transformer.getExposedMetadatas(cls).length ||
      transformer.getExcludedMetadatas(cls).length
    ) {
      return 'it uses @Expose or @Exclude';
    }
    const grouped = storage.groupByPropertyName(metadatas);
    const properties: PropertyPlan[] = [];
    for (const [name, list] of Object.entries(grouped)) {
      if (
        transformer.findTransformMetadatas(
          cls,
          name,
          TransformationType.PLAIN_TO_CLASS,
        ).length
      )
        return `@Transform on "${name}"`;
      const plan: PropertyPlan = { name, conditions: [], rules: [] };
      for (const metadata of list) {
        if (!SUPPORTED_TYPES.has(metadata.type))
          return `"${name}" uses ${metadata.type}`;
        if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
          // @ValidateIf's condition (class-validator types constraints as any[]).
          plan.conditions.push(
            metadata.constraints[0] as PropertyPlan['conditions'][number],
          );
        } else if (metadata.type === ValidationTypes.NESTED_VALIDATION) {
          plan.nested = {
            schema:
              typeof metadata.target === 'string'
                ? metadata.target
                : metadata.target.name,
          };
        } else if (metadata.type !== ValidationTypes.WHITELIST) {
          const constraints: ValidatorConstraintInterface[] = [];
          for (const constraint of storage.getTargetValidatorConstraints(
            metadata.constraintCls,
          )) {
            // validateSync skips async constraints; so do we.
            if (!constraint.async) constraints.push(constraint.instance);
          }
          plan.rules.push({ metadata, constraints });
        }
      }
      const type = transformer.findTypeMetadata(cls, name);
      if (type) {
        if (!plan.nested) return `@Type on "${name}" converts its value`;
        if (type.options?.discriminator)
          return `@Type on "${name}" has a discriminator`;
        // Declared as a Map or Set, the property becomes one: the check builds plain arrays and objects.
        if (type.reflectedType === Map || type.reflectedType === Set)
          return `"${name}" is declared as a Map or Set`;
        plan.nested.typeFunction = type.typeFunction;
      }
      properties.push(plan);
    }
    return {
      cls,
      name: cls.name,
      properties,
      nested: properties.filter((p) => p.nested),
      known: new Set(properties.map((p) => p.name)),
    };
  }

  private check(plan: ClassPlan, data: unknown): object | undefined {
    try {
      return this.instance(plan, data, 1);
    } catch {
      // A getter-only property, a constraint that throws...: let the full path report it.
      return undefined;
    }
  }

  /**
   * Builds the instance `plainToInstance` would (a new object of the class with the data's own
   * properties, nested objects as instances of their `@Type`) and validates it as `validateSync`
   * does with whitelist, forbidNonWhitelisted and forbidUnknownValues. `depth` counts the nested
   * objects and arrays down to `data`: deeper than `MAX_PAYLOAD_DEPTH`, the full path refuses it.
   */
  private instance(
    plan: ClassPlan,
    data: unknown,
    depth: number,
  ): object | undefined {
    if (
      typeof data !== 'object' ||
      data === null ||
      Array.isArray(data) ||
      depth > MAX_PAYLOAD_DEPTH
    )
      return undefined;
    const keys = Object.keys(data);
    for (const key of keys) if (!plan.known.has(key)) return undefined;
    const object = new plan.cls() as Record<string, unknown>;
    // Fields the constructor sets count for the whitelist too.
    for (const key of Object.keys(object))
      if (!plan.known.has(key)) return undefined;
    for (const key of keys)
      object[key] = (data as Record<string, unknown>)[key];
    // Nested objects first, so conditions and rules see the whole instance. One that does not
    // convert is invalid unless a condition skips it: the full path tells which.
    for (const property of plan.nested) {
      const value = object[property.name];
      if (value === undefined) continue;
      const nested = this.nested(property, object, data, value, depth + 1);
      if (nested === undefined) return undefined;
      object[property.name] = nested;
    }
    for (const property of plan.properties) {
      const value = object[property.name];
      let applies = true;
      for (const condition of property.conditions)
        applies = condition(object, value) && applies;
      if (!applies) continue;
      for (const rule of property.rules)
        if (!this.passes(plan, rule, object, value)) return undefined;
    }
    return object;
  }

  private passes(
    plan: ClassPlan,
    { metadata, constraints }: Rule,
    object: object,
    value: unknown,
  ): boolean {
    if (metadata.validateIf && !metadata.validateIf(object, value)) return true;
    const args: ValidationArguments = {
      targetName: plan.name,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    const each =
      metadata.each &&
      (Array.isArray(value) || value instanceof Set || value instanceof Map);
    for (const constraint of constraints) {
      if (each) {
        for (const item of Array.isArray(value)
          ? value
          : [...(value as Set<unknown>).values()]) {
          if (!accepted(constraint.validate(item, args))) return false;
        }
      } else if (!accepted(constraint.validate(value, args))) {
        return false;
      }
    }
    return true;
  }

  /** The nested value as instances of its `@Type`, or `undefined` when it is not valid. */
  private nested(
    property: PropertyPlan,
    parent: object,
    data: object,
    value: unknown,
    depth: number,
  ): unknown {
    const { schema, typeFunction } = property.nested!;
    if (!typeFunction) return undefined; // a plain object: class-validator calls it an unknown value
    const cls = typeFunction({
      newObject: parent,
      object: data,
      property: property.name,
    });
    if (typeof cls !== 'function') return undefined;
    const plan = this.plan(cls as PayloadClass, schema);
    return typeof plan === 'string'
      ? undefined
      : this.nestedValue(plan, value, depth);
  }

  /** An object as an instance of `plan`, arrays (of arrays) of them element by element; `undefined` stays as it is. */
  private nestedValue(plan: ClassPlan, value: unknown, depth: number): unknown {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.instance(plan, value, depth);
    if (depth > MAX_PAYLOAD_DEPTH) return undefined;
    const out: unknown[] = [];
    for (const element of value) {
      const converted = this.nestedValue(plan, element, depth + 1);
      if (converted === undefined && element !== undefined) return undefined;
      out.push(converted);
    }
    return out;
  }
}

/** What class-validator counts as a pass in validateSync: truthy, and not a promise (whose result it would not wait for). */
function accepted(result: unknown): boolean {
  return (
    Boolean(result) && typeof (result as { then?: unknown }).then !== 'function'
  );
}
