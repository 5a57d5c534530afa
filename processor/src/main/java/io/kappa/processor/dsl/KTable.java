package io.kappa.processor.dsl;

/** The result of an aggregation: the latest value per key. */
public final class KTable<K, V> {
    private final KStream<K, V> changes;

    KTable(KStream<K, V> changes) {
        this.changes = changes;
    }

    /** Every change of the table, as a stream: one record per update. */
    public KStream<K, V> toStream() {
        return changes;
    }
}
