/**
 * The constructs are typed facades over infra/source-account.yaml and
 * infra/destination-account.yaml: the one definition of both stacks. `includeTemplate` checks
 * that the construct sets every parameter of its template, evaluates what the parameters'
 * values decide at synth (conditions, `Fn::If`, `Ref`, `Fn::Sub` and the template's `Rules`),
 * and includes the result with `CfnInclude` (`preserveLogicalIds: false`, so that two
 * constructs can share a stack; every parameter passed, so that none is left in the stack).
 *
 * The templates are read from `templates/*.json` next to the compiled package (the build step,
 * scripts/templates.js, writes them from infra/*.yaml).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import type { Construct } from 'constructs';

/** The two templates. */
export type TemplateName = 'source-account' | 'destination-account';

type Json = any;
const NO_VALUE = Symbol('AWS::NoValue');

const CACHE = new Map<TemplateName, string>();

/** The template's JSON text: templates/<name>.json beside dist/ (the package) or build/lib/ (the tests). */
export function templateText(name: TemplateName): string {
  let text = CACHE.get(name);
  if (text === undefined) {
    const candidates = [path.join(__dirname, '..', 'templates'), path.join(__dirname, '..', '..', 'templates')].map((d) =>
      path.join(d, `${name}.json`),
    );
    const file = candidates.find((f) => fs.existsSync(f));
    if (file === undefined) throw new Error(`${name}.json is not in ${candidates.join(' or ')}: run npm run build (scripts/templates.js)`);
    text = fs.readFileSync(file, 'utf8');
    CACHE.set(name, text);
  }
  return text;
}

/** The template as parsed from infra/<name>.yaml (a fresh copy). */
export function loadTemplate(name: TemplateName): Json {
  return JSON.parse(templateText(name));
}

/** What the parameters' values decide: known values, and which unknown ones (tokens) are not empty. */
class Folder {
  private readonly memo = new Map<string, boolean | undefined>();
  constructor(
    private readonly known: Record<string, string>,
    private readonly nonEmpty: Set<string>,
    private readonly conditions: Record<string, Json>,
  ) {}

  /** A condition's value, or undefined when a token decides it. */
  condition(name: string): boolean | undefined {
    if (!this.memo.has(name)) {
      if (!(name in this.conditions)) throw new Error(`template condition ${name} does not exist`);
      this.memo.set(name, this.truth(this.conditions[name]));
    }
    return this.memo.get(name);
  }

  truth(v: Json): boolean | undefined {
    const [key, arg] = Object.entries(v as Record<string, Json>)[0];
    switch (key) {
      case 'Fn::Equals': {
        const [a, b] = [this.value(arg[0]), this.value(arg[1])];
        if (isScalar(a) && isScalar(b)) return String(a) === String(b);
        const empty = (x: Json, y: Json) => x === '' && typeof y === 'object' && y?.Ref !== undefined && this.nonEmpty.has(y.Ref);
        return empty(a, b) || empty(b, a) ? false : undefined;
      }
      case 'Fn::Not': {
        const t = this.truth(arg[0]);
        return t === undefined ? undefined : !t;
      }
      case 'Fn::And': {
        const ts = (arg as Json[]).map((c) => this.truth(c));
        return ts.includes(false) ? false : ts.includes(undefined) ? undefined : true;
      }
      case 'Fn::Or': {
        const ts = (arg as Json[]).map((c) => this.truth(c));
        return ts.includes(true) ? true : ts.includes(undefined) ? undefined : false;
      }
      case 'Fn::Contains': {
        const [list, item] = [this.value(arg[0]), this.value(arg[1])];
        if (!Array.isArray(list) || !list.every(isScalar) || !isScalar(item)) return undefined;
        return list.map(String).includes(String(item));
      }
      case 'Condition':
        return this.condition(arg);
      default:
        throw new Error(`condition function ${key} is not handled`);
    }
  }

  /** `v` with everything the known values decide evaluated; NO_VALUE for `AWS::NoValue`. */
  value(v: Json): Json {
    if (Array.isArray(v)) return v.map((x) => this.value(x)).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, Json>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === 'Ref') {
        if (arg === 'AWS::NoValue') return NO_VALUE;
        return arg in this.known ? this.known[arg] : v;
      }
      if (key === 'Fn::If') {
        const t = this.condition(arg[0]);
        if (t !== undefined) return this.value(arg[t ? 1 : 2]);
        const branch = (x: Json) => {
          const r = this.value(x);
          return r === NO_VALUE ? { Ref: 'AWS::NoValue' } : r;
        };
        return { 'Fn::If': [arg[0], branch(arg[1]), branch(arg[2])] };
      }
      if (key === 'Fn::Sub') return this.sub(arg);
      // The YAML short form !GetAtt A.B, as the list form CDK itself writes.
      if (key === 'Fn::GetAtt' && typeof arg === 'string') return { 'Fn::GetAtt': [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] };
      if (key === 'Fn::Join') {
        const parts = this.value(arg[1]);
        if (Array.isArray(parts) && parts.every(isScalar)) return parts.map(String).join(arg[0]);
        return { 'Fn::Join': [arg[0], parts] };
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, x] of entries) {
      const r = this.value(x);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  /** `Fn::Sub` with the known names written in; a plain string when none is left. */
  private sub(arg: Json): Json {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : [arg[0] as string, (this.value(arg[1]) ?? {}) as Record<string, Json>];
    const left: Record<string, Json> = {};
    let open = false;
    const body = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return whole;
      const given = name in vars ? vars[name] : name in this.known ? this.known[name] : undefined;
      if (isScalar(given) && !Token.isUnresolved(String(given))) return String(given);
      if (name in vars) left[name] = vars[name];
      open = true;
      return whole;
    });
    if (!open) return body.replace(/\$\{!/g, '${');
    return Object.keys(left).length === 0 ? { 'Fn::Sub': body } : { 'Fn::Sub': [body, left] };
  }
}

function isScalar(v: Json): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * `template` with what `parameters` (and the pseudo parameters in `pseudo`) decide evaluated:
 * resources and conditions that are off are gone, `Fn::If` takes its branch, known `Ref`s and
 * `Fn::Sub`s are literals, and a template rule that holds is dropped (one that fails throws:
 * the construct's own checks should have refused first). Parameters whose value is a token
 * are left to CfnInclude. Outputs are dropped (the constructs expose attributes instead), and
 * so are the description and the console's parameter groups.
 */
export function foldTemplate(template: Json, parameters: Record<string, string>, pseudo: Record<string, string>, kind: string): Json {
  const known: Record<string, string> = {};
  const nonEmpty = new Set<string>();
  for (const [name, value] of Object.entries({ ...parameters, ...pseudo })) {
    if (Token.isUnresolved(value)) nonEmpty.add(name);
    else known[name] = value;
  }
  const f = new Folder(known, nonEmpty, template.Conditions ?? {});
  const out: Json = { AWSTemplateFormatVersion: template.AWSTemplateFormatVersion, Parameters: template.Parameters, Resources: {} };

  for (const [name, rule] of Object.entries<Json>(template.Rules ?? {})) {
    const applies = rule.RuleCondition === undefined ? true : f.truth(rule.RuleCondition);
    if (applies === false) continue;
    const results = (rule.Assertions as Json[]).map((a) => [f.truth(a.Assert), a.AssertDescription] as const);
    const failed = results.find(([t]) => t === false);
    if (applies && failed) throw new Error(`${kind}: the template's rule ${name} refuses these parameters: ${failed[1]}`);
    if (applies === undefined || results.some(([t]) => t === undefined)) (out.Rules ??= {})[name] = rule;
  }

  const dropped = new Set<string>();
  for (const [id, resource] of Object.entries<Json>(template.Resources)) {
    const on = resource.Condition === undefined ? true : f.condition(resource.Condition);
    if (on === false) {
      dropped.add(id);
      continue;
    }
    const { Condition, Properties, ...rest } = resource;
    out.Resources[id] = { ...rest, ...(on === undefined ? { Condition } : {}), ...(Properties ? { Properties: f.value(Properties) } : {}) };
  }
  for (const resource of Object.values<Json>(out.Resources)) {
    if (resource.DependsOn !== undefined) {
      const deps = ([] as string[]).concat(resource.DependsOn).filter((d) => !dropped.has(d));
      if (deps.length === 0) delete resource.DependsOn;
      else resource.DependsOn = deps;
    }
  }

  // Conditions a token decides stay (with the known ones they use written as constants).
  const text = JSON.stringify(out);
  const constant = (t: boolean) => ({ 'Fn::Equals': ['true', t ? 'true' : 'false'] });
  const keep = (expr: Json): Json => {
    if (Array.isArray(expr)) return expr.map(keep);
    if (expr === null || typeof expr !== 'object') return expr;
    if (typeof expr.Condition === 'string' && Object.keys(expr).length === 1) {
      const t = f.condition(expr.Condition);
      return t === undefined ? expr : constant(t);
    }
    return Object.fromEntries(Object.entries(expr).map(([k, x]) => [k, k === 'Ref' ? x : keep(x)]));
  };
  for (const [name, expr] of Object.entries<Json>(template.Conditions ?? {})) {
    if (f.condition(name) === undefined && (text.includes(`"${name}"`) || out.Rules)) (out.Conditions ??= {})[name] = keep(expr);
  }
  return out;
}

/**
 * Includes `name` in `scope` (as `Template`) with `parameters`, which must set every parameter
 * of the template and nothing else.
 */
export function includeTemplate(
  scope: Construct,
  kind: string,
  name: TemplateName,
  parameters: Record<string, string>,
  pseudo: Record<string, string>,
): CfnInclude {
  const template = loadTemplate(name);
  const declared = Object.keys(template.Parameters).sort();
  const given = Object.keys(parameters).sort();
  const missing = declared.filter((p) => !given.includes(p));
  const unknown = given.filter((p) => !declared.includes(p));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(`${kind}: infra/${name}.yaml's parameters and the construct's differ: not set ${JSON.stringify(missing)}, not in the template ${JSON.stringify(unknown)}`);
  }
  const folded = foldTemplate(template, parameters, pseudo, kind);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3kr-template-'));
  try {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(folded));
    // CfnInclude reads the file here, in its constructor.
    return new CfnInclude(scope, 'Template', { templateFile: file, preserveLogicalIds: false, parameters });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
