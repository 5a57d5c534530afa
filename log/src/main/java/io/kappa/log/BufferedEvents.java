package io.kappa.log;

import org.agrona.DirectBuffer;

/**
 * Events whose fields lie in one buffer, read by index: lets a caller that received events as bytes (the TCP
 * server) append them without building an {@link Event} per event. Lengths may be
 * {@link RecordDescriptor#NO_BYTES} for an absent key or id; an event time may be {@link Event#NO_TIME}.
 */
public interface BufferedEvents {
    DirectBuffer buffer();

    int keyOffset(int i);

    int keyLength(int i);

    int idOffset(int i);

    int idLength(int i);

    int valueOffset(int i);

    int valueLength(int i);

    long eventTime(int i);
}
