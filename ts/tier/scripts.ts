/**
 * The Lua scripts that make every write atomic in Redis: value, version and
 * (in publish mode) the invalidation message happen in one step, so no crash
 * or lost connection can leave a written value unannounced. The envelope
 * offsets they patch are those of envelope.ts (version at byte 4, basis at 12).
 *
 * Versions come from one counter per namespace (`{ns}#v`), seeded from the
 * Redis server's TIME in microseconds on first use so that they keep growing
 * across a server restart that lost the data. On a standalone server the
 * scripts increment it themselves; on a cluster, where the counter lives in
 * another slot, the versions are allocated first (ALLOC, one call per batch)
 * and passed in, and a write that finds a newer version already stored
 * yields to it (version order wins, whatever the arrival order).
 */
import { createHash } from 'node:crypto';

const PRELUDE = `
local function nextVersion(counter, n)
  if redis.call('EXISTS', counter) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', counter, string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
  end
  return redis.call('INCRBY', counter, n)
end
local function current(key)
  local h = redis.pcall('GETRANGE', key, 0, 19)
  if type(h) == 'table' then return -1, 0, 0 end
  if #h < 20 then
    if redis.call('EXISTS', key) == 0 then return 0, 0, 0 end
    return -1, 0, 0
  end
  if string.byte(h, 1) ~= 231 or string.byte(h, 2) ~= 84 or string.byte(h, 3) ~= 1 then return -1, 0, 0 end
  local v, b = struct.unpack('>d>d', h, 5)
  return v, string.byte(h, 4), b
end
local function store(key, env, v, basis, px)
  local out = string.sub(env, 1, 4) .. struct.pack('>d>d', v, basis) .. string.sub(env, 21)
  if tonumber(px) > 0 then redis.call('SET', key, out, 'PX', px) else redis.call('SET', key, out) end
end
local function notify(channel, head, v, payload)
  if channel ~= '' then redis.call('PUBLISH', channel, head .. string.format('%.0f', v) .. '|' .. payload) end
end
`;

/** A script with its SHA1 (run with EVALSHA, loaded on NOSCRIPT). */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, body: string): Script {
  const source = `${PRELUDE}\n${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * set / delete (tombstone): KEYS = data [, counter]; ARGV = envelope, px,
 * version ('' with the counter key), channel ('' = do not publish), message
 * head ('1|k|<stream>|<seq>|'), key. Returns {version, wasLive}, or {0,
 * current} when a newer version is already stored (then a no-op message keeps
 * the sender's sequence contiguous).
 */
export const WRITE = script(
  'write',
  `
local cur, flags = current(KEYS[1])
local v
if #KEYS > 1 then v = nextVersion(KEYS[2], 1) else v = tonumber(ARGV[3]) end
if cur > v then
  notify(ARGV[4], '1|n|' .. string.sub(ARGV[5], 5), 0, '')
  return {0, cur}
end
store(KEYS[1], ARGV[1], v, v, ARGV[2])
notify(ARGV[4], ARGV[5], v, ARGV[6])
local live = 0
if cur > 0 and flags % 2 == 0 then live = 1 end
return {v, live}
`,
);

/**
 * Loader commit, compare-and-set: KEYS = data, lock [, counter]; ARGV =
 * envelope, px, version ('' with the counter key), expected version, basis,
 * lock token ('' without a lock). Stores only if the key still holds the
 * expected version (0 absent, -1 foreign) and no other lock holder took over
 * (fencing token); releases our lock. Returns {version, 0}, {0, current}
 * (conflict) or {-1, 0} (fenced by a newer lock holder). Not published: a fill
 * is not a change (other instances' copies are older and already expired).
 */
export const CAS = script(
  'cas',
  `
local cur = current(KEYS[1])
if cur ~= tonumber(ARGV[4]) then return {0, cur} end
if ARGV[6] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[6] then return {-1, 0} end
end
local v
if #KEYS > 2 then v = nextVersion(KEYS[3], 1) else v = tonumber(ARGV[3]) end
store(KEYS[1], ARGV[1], v, tonumber(ARGV[5]), ARGV[2])
if ARGV[6] ~= '' and redis.call('GET', KEYS[2]) == ARGV[6] then redis.call('DEL', KEYS[2]) end
return {v, 0}
`,
);

/** clear / deleteByTag: KEYS = counter, marker; ARGV = channel, head, payload. Returns the version. */
export const META = script(
  'meta',
  `
local v = nextVersion(KEYS[1], 1)
redis.call('SET', KEYS[2], string.format('%.0f', v))
notify(ARGV[1], ARGV[2], v, ARGV[3])
return v
`,
);

/** Cluster: allocates ARGV[1] versions from KEYS[1]; returns the last. */
export const ALLOC = script('alloc', `return nextVersion(KEYS[1], tonumber(ARGV[1]))`);

/** Lock: KEYS = lock [, counter]; ARGV = px, token ('' with the counter). Returns the fencing token, or 0 when held. */
export const LOCK = script(
  'lock',
  `
local token
if #KEYS > 1 then token = nextVersion(KEYS[2], 1) else token = tonumber(ARGV[2]) end
if redis.call('SET', KEYS[1], string.format('%.0f', token), 'NX', 'PX', ARGV[1]) then return token end
return 0
`,
);

/** Unlock: KEYS = lock; ARGV = token. Deletes the lock only if it is still ours. */
export const UNLOCK = script(
  'unlock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`,
);

/** After clear(): KEYS = data; ARGV = clear version. Unlinks an envelope older than the clear. */
export const PURGE = script(
  'purge',
  `
local cur, flags, basis = current(KEYS[1])
if cur > 0 and basis < tonumber(ARGV[1]) then redis.call('UNLINK', KEYS[1]) return 1 end
return 0
`,
);

/** Every script, for SCRIPT LOAD. */
export const SCRIPTS: readonly Script[] = [WRITE, CAS, META, ALLOC, LOCK, UNLOCK, PURGE];
