/**
 * The platform names of the native addon: which `tiercache-<platform>`
 * package and which `tiercache.<platform>.node` file serve this process, in
 * the napi-rs naming (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`).
 */
import * as fs from 'node:fs';

/** Whether this Linux process runs on musl libc (Alpine) rather than glibc. */
export function isMusl(): boolean {
  // ldd is a script on both libcs and names its own; reading it is cheap.
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // No readable ldd (distroless images): ask Node which libc it runs on.
  }
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string }; sharedObjects?: string[] } | undefined;
  if (report?.header?.glibcVersionRuntime !== undefined) return false;
  return report?.sharedObjects?.some((file) => file.includes('libc.musl-') || file.includes('ld-musl-')) ?? false;
}

/** This process's platform name, e.g. `linux-x64-gnu`. */
export function currentPlatform(platform: string = process.platform, arch: string = process.arch, musl: () => boolean = isMusl): string {
  switch (platform) {
    case 'linux': {
      const libc = musl() ? 'musl' : 'gnu';
      return arch === 'arm' ? `linux-arm-${libc}eabihf` : `linux-${arch}-${libc}`;
    }
    case 'win32':
      return `win32-${arch}-msvc`;
    default:
      return `${platform}-${arch}`;
  }
}

const ARCHES: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm', riscv64gc: 'riscv64' };

/**
 * The platform name of a Rust target triple from package.json `napi.targets`
 * (`x86_64-unknown-linux-musl` → `linux-x64-musl`), as `napi create-npm-dirs`
 * names the packages.
 */
export function platformOfTarget(triple: string): string {
  const [cpu, ...rest] = triple.split('-');
  const arch = ARCHES[cpu] ?? cpu;
  const system = rest.join('-');
  if (system.endsWith('apple-darwin')) return `darwin-${arch}`;
  if (system.endsWith('pc-windows-msvc')) return `win32-${arch}-msvc`;
  const linux = /linux-(gnu|musl)(eabihf)?$/.exec(system);
  if (linux !== null) return `linux-${arch}-${linux[1]}${linux[2] ?? ''}`;
  return `${system.split('-').pop()}-${arch}`;
}
