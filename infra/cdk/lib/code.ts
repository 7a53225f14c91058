/**
 * The two Lambda functions' code: built from this Cargo workspace by cargo-lambda-cdk's
 * bundling (cargo lambda build) at synth (the default), or taken from prebuilt bootstraps, which synthesizes
 * offline and without a Rust toolchain (tests, `make cdk-synth`, pipelines that build the zips
 * in an earlier step).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CfnResource } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Bundling } from 'cargo-lambda-cdk/lib/bundling';
import { Construct } from 'constructs';
import { refuse } from './refs';

/** The workspace's two Lambda binaries. */
export type ReplicationBinary = 'replication-setup' | 'replica-verifier';

/** Where the functions' code comes from. */
export interface ReplicationCodeOptions {
  /**
   * A directory with one subdirectory per function, `replication-setup/` and
   * `replica-verifier/`, each holding `bootstrap.zip` (used as it is) or an executable
   * `bootstrap` (zipped by CDK). `make package` writes `dist/lambda` (x86_64: set
   * `architecture` to `lambda.Architecture.X86_64`), `make package-arm64` writes
   * `dist/lambda-arm64`. A relative path is resolved from the current directory.
   *
   * @default - build both binaries from the Cargo workspace with cargo-lambda-cdk
   *   (`cargo lambda build --release --locked`) when the stack is synthesized
   */
  readonly prebuiltDir?: string;
  /**
   * The workspace's `Cargo.toml`, for cargo-lambda-cdk.
   *
   * @default - the first `Cargo.toml` with a `[workspace]` table above this package: found when
   *   the package is used from an s3-kms-replication checkout; an installed package (npm, PyPI)
   *   has none above it, and synth then refuses `code` unless `prebuiltDir` or `manifestPath`
   *   is set
   */
  readonly manifestPath?: string;
}

const ELF_MACHINES: Record<number, string> = { 0x3e: 'x86_64', 0xb7: 'arm64' };

/** The ELF machine of an executable's first bytes, as a Lambda architecture name. */
function elfArchitecture(head: Buffer): string | undefined {
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  return ELF_MACHINES[machine] ?? `ELF machine 0x${machine.toString(16)}`;
}

/** The first bytes of `bootstrap` inside a Lambda zip (central directory, then its local header). */
function bootstrapHeadInZip(zipPath: string): Buffer | undefined {
  const zip = fs.readFileSync(zipPath);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  let at = zip.readUInt32LE(eocd + 16);
  const entries = zip.readUInt16LE(eocd + 10);
  for (let n = 0; n < entries && zip.readUInt32LE(at) === 0x02014b50; n++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === 'bootstrap') {
      const local = zip.readUInt32LE(at + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + Math.min(compressed, 64 * 1024));
      if (method === 0) return data.subarray(0, 64);
      if (method === 8) return zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, 64);
      return undefined;
    }
    at = next;
  }
  return undefined;
}

/**
 * The code asset of `binary` under `prebuiltDir`, refused when it is missing, not executable,
 * or an ELF binary for another architecture than `architecture` (Lambda would fail every
 * invocation with "exec format error", and a custom resource would then hang until its
 * ServiceTimeout).
 */
export function prebuiltCode(
  construct: string,
  prebuiltDir: string,
  binary: ReplicationBinary,
  architecture: lambda.Architecture,
): lambda.Code {
  const dir = path.resolve(prebuiltDir, binary);
  const zip = path.join(dir, 'bootstrap.zip');
  const exe = path.join(dir, 'bootstrap');
  let head: Buffer | undefined;
  let code: lambda.Code;
  if (fs.existsSync(zip)) {
    head = bootstrapHeadInZip(zip);
    code = lambda.Code.fromAsset(zip);
  } else if (fs.existsSync(exe)) {
    if ((fs.statSync(exe).mode & 0o111) === 0) {
      refuse(construct, 'code.prebuiltDir', `${exe} is not executable`, `chmod +x ${exe}`);
    }
    const fd = fs.openSync(exe, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, fs.readSync(fd, head, 0, 64, 0));
    } finally {
      fs.closeSync(fd);
    }
    code = lambda.Code.fromAsset(dir);
  } else {
    refuse(
      construct,
      'code.prebuiltDir',
      `neither ${zip} nor ${exe} exists`,
      'run `make package` (x86_64, dist/lambda) or `make package-arm64` (dist/lambda-arm64) first, or leave code.prebuiltDir unset to build with cargo-lambda',
    );
  }
  const built = head ? elfArchitecture(head) : undefined;
  if (built !== undefined && built !== architecture.name) {
    refuse(
      construct,
      'architecture',
      `${binary}'s bootstrap under ${prebuiltDir} is built for ${built}, but the function is ${architecture.name}`,
      `set architecture: lambda.Architecture.${built === 'arm64' ? 'ARM_64' : 'X86_64'} (the example app: -c arch=${built}), or build for ${architecture.name}`,
    );
  }
  return code;
}

/** The nearest `Cargo.toml` with a `[workspace]` table at or above `from`; undefined when there is none. */
function findWorkspaceManifest(from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'Cargo.toml');
    if (fs.existsSync(candidate) && /^\[workspace\]/m.test(fs.readFileSync(candidate, 'utf8'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The nearest `Cargo.toml` with a `[workspace]` table at or above `from` (by default this
 * package's own directory: found when the package is used from an s3-kms-replication checkout,
 * not when it is installed from npm or PyPI).
 */
export function workspaceManifest(from: string = __dirname): string {
  const found = findWorkspaceManifest(from);
  if (found === undefined) throw new Error(`no Cargo workspace above ${from}; set code.manifestPath, or code.prebuiltDir`);
  return found;
}

/** Without `code`: where the functions' code can come from, for the refusal. */
const CODE_FIX =
  "set code.prebuiltDir to a directory holding replication-setup/bootstrap.zip and replica-verifier/bootstrap.zip (the release zips: `make package` writes them to dist/lambda, x86_64, so also set architecture to X86_64), or code.manifestPath to the Cargo.toml of an s3-kms-replication checkout to build them with cargo-lambda at synth";

/**
 * The code of `binary` as a `lambda.Code`: the bootstrap under `code.prebuiltDir`, or built
 * from the Cargo workspace with cargo-lambda (cargo-lambda-cdk's bundling, `--locked`) when the
 * stack is synthesized.
 */
export function replicationCode(
  construct: string,
  binary: ReplicationBinary,
  architecture: lambda.Architecture,
  code: ReplicationCodeOptions | undefined,
): lambda.Code {
  if (code?.prebuiltDir !== undefined) return prebuiltCode(construct, code.prebuiltDir, binary, architecture);
  const manifestPath = code?.manifestPath ?? findWorkspaceManifest(__dirname);
  if (manifestPath === undefined) {
    refuse(
      construct,
      'code',
      `neither code.prebuiltDir nor code.manifestPath is set, and no Cargo workspace is above ${__dirname} (the package is installed, not used from an s3-kms-replication checkout) to build ${binary} from`,
      CODE_FIX,
    );
  }
  return Bundling.bundle({ manifestPath, binaryName: binary, architecture, cargoLambdaFlags: ['--locked'] });
}

/** The two functions' code, bound in `scope`: their S3 locations are the template's `ArtifactBucket`, `SetupCodeKey` and `VerifierCodeKey`. */
export class BoundCode {
  /** Binds `code` of each of `binaries` (in a child scope of its own). */
  constructor(
    private readonly scope: Construct,
    private readonly codes: Partial<Record<ReplicationBinary, lambda.Code>>,
  ) {}

  /** The parameters: the bucket (the same for both: the stack's asset bucket) and each key. */
  parameters(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [binary, code] of Object.entries(this.codes) as [ReplicationBinary, lambda.Code][]) {
      const holder = new Construct(this.scope, binary === 'replication-setup' ? 'SetupCode' : 'VerifierCode');
      const location = code.bind(holder).s3Location;
      if (location === undefined) throw new Error(`${binary}: the code has no S3 location (inline or image code cannot be used)`);
      if (out.ArtifactBucket !== undefined && out.ArtifactBucket !== location.bucketName) {
        throw new Error(`${binary}: the two functions' code is in different buckets; the template takes one ArtifactBucket`);
      }
      out.ArtifactBucket = location.bucketName;
      out[binary === 'replication-setup' ? 'SetupCodeKey' : 'VerifierCodeKey'] = location.objectKey;
    }
    return out;
  }

  /** Records each asset on its function (`aws:asset:path` metadata, for SAM and local tools). */
  bindToResources(functions: Partial<Record<ReplicationBinary, CfnResource>>): void {
    for (const [binary, code] of Object.entries(this.codes) as [ReplicationBinary, lambda.Code][]) {
      const fn = functions[binary];
      if (fn) code.bindToResource(fn, { resourceProperty: 'Code' });
    }
  }
}
