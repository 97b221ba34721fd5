/**
 * The PSP device model: master keys, SPIs, security associations, rotation, IVs and receive
 * policies.
 *
 * <ul>
 *   <li>{@link dev.psp.engine.device.PspDevice}: two master keys, generation, enabled versions,
 *       rx-assoc (SPI allocation + derived key), tx-assoc (SA table), rotation, counters.</li>
 *   <li>{@link dev.psp.engine.device.SpiAllocator}: unique, unpredictable SPIs per key generation
 *       with no memory per SPI (keyed Feistel permutation over 2^31 - 1 values).</li>
 *   <li>{@link dev.psp.engine.device.SaTable}: transmit SAs, keys in one off-heap slab.</li>
 *   <li>{@link dev.psp.engine.device.RxKeyResolver} / {@link dev.psp.engine.device.RxKeyCache}:
 *       stateless receive key lookup, one per worker; evicted-key policy documented there.</li>
 *   <li>{@link dev.psp.engine.device.IvGenerator}: picosecond-timestamp IVs.</li>
 *   <li>{@link dev.psp.engine.device.SpiAllowList}, {@link dev.psp.engine.device.ReplayWindow}:
 *       optional receive policies.</li>
 *   <li>{@link dev.psp.engine.device.DeviceConsole}: the scriptable command console.</li>
 * </ul>
 *
 * <p>Status codes are in {@link dev.psp.engine.device.DeviceStatus}; counters in
 * {@link dev.psp.engine.device.DeviceStats}. Key bytes never appear in {@code toString}, logs or
 * exception messages; master keys never leave memory.
 */
package dev.psp.engine.device;
