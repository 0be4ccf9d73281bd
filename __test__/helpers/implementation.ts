/** The implementation TIERCACHE_IMPL asks this process for (native unless it says js). */
export function expectedImplementation(): 'native' | 'js' {
  return process.env.TIERCACHE_IMPL === 'js' ? 'js' : 'native';
}
