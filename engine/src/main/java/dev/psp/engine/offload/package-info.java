/**
 * Receive offloads after PSP decryption. {@link dev.psp.engine.offload.GroCoalescer} is software
 * GRO: it merges in-order TCP segments of one flow under one SA into super-packets (Linux
 * {@code tcp_gro_receive} rules) and verifies inner TCP/UDP checksums. By default a super-packet is a
 * chain of descriptors, each payload in place (zero copy; freeing the head frees the chain); in
 * COPY mode payloads are copied into the head and merged descriptors go back to the caller through
 * a {@link dev.psp.engine.offload.GroBatch}.
 */
package dev.psp.engine.offload;
