package io.kappa.processor;

import org.agrona.DirectBuffer;

/**
 * Sees every record a muted runner's tasks would have written ({@link RunnerContext#outputTap}), with the input
 * record that caused it: what {@code kappa replay --verify} compares with the recorded output. Called on the task's
 * thread, in the order the task produces its records; the bytes are valid only during the call.
 */
@FunctionalInterface
public interface OutputTap {
    /**
     * @param stage       the stage of the task
     * @param task        the task id (its input partition)
     * @param inputTopic  the input the current record came from
     * @param inputOffset its offset (a timer's outputs count for the record after which it fired)
     * @param topic       where the record would have gone
     * @param partition   the output partition
     * @param keyLength   -1 for no key
     */
    void onOutput(String stage, int task, String inputTopic, long inputOffset, String topic, int partition, DirectBuffer data,
                  int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime);

    /** A copy of a key or value {@link #onOutput} shows, to keep after the call; null for a length of -1 (no key). */
    static byte[] copy(DirectBuffer data, int offset, int length) {
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        data.getBytes(offset, b);
        return b;
    }
}
