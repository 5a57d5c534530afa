package io.kappa.processor.dsl;

/** Combines a stream record's value with the value it joins ({@code null} for a left join without a match). */
@FunctionalInterface
public interface ValueJoiner<V1, V2, VR> {
    VR apply(V1 value, V2 other);
}
