/**
 * Receive offloads after PSP decryption. {@link dev.psp.engine.offload.GroCoalescer} is software
 * GRO: it merges in-order TCP segments of one flow under one SA into super-packets (Linux
 * {@code tcp_gro_receive} rules), verifies inner TCP/UDP checksums, and hands merged descriptors
 * back to the caller's pool through a {@link dev.psp.engine.offload.GroBatch}.
 */
package dev.psp.engine.offload;
