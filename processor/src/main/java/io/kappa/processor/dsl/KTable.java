package io.kappa.processor.dsl;

/**
 * The latest value per key: the result of an aggregation, or a topic read as a table with
 * {@link Pipeline#table}, which a {@link KStream} can join ({@link KStream#join(KTable, ValueJoiner)}).
 */
public final class KTable<K, V> {
    private final KStream<K, V> changes;
    final Pipeline.TableSource<K, V> source;

    KTable(KStream<K, V> changes) {
        this.changes = changes;
        this.source = null;
    }

    KTable(Pipeline.TableSource<K, V> source) {
        this.changes = null;
        this.source = source;
    }

    /** Every change of the table, as a stream: one record per update. */
    public KStream<K, V> toStream() {
        if (changes == null) {
            throw new IllegalStateException("table '" + source.topic + "' is read with Pipeline.table to be joined; read its topic "
                + "with Pipeline.stream for its changes as a stream");
        }
        return changes;
    }
}
