package dev.psp.engine.psp;

/** Supplies the 64-bit PSP IV for each packet sealed under one key; never repeats for that key. */
@FunctionalInterface
public interface IvSource {
    long nextIv();
}
