package io.kappa.log;

/** Where an appended record went. */
public record Appended(int partition, long offset) {
}
