package io.kappa.processor.builtin;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.window.WindowAggregator;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The aggregates of the windowed built-ins over a numeric field of JSON values: count, sum, min, max, average,
 * and the latest value by event time (for {@code top}; at equal times the highest). One immutable value holds
 * them all, so every kind shares one serde and one merge.
 */
final class WindowAgg {
    enum Kind {
        COUNT, SUM, MIN, MAX, AVG, LAST;

        static Kind parse(String s) {
            if (s == null) {
                throw new IllegalArgumentException("--agg needs count, sum, min, max or avg");
            }
            try {
                Kind k = valueOf(s.trim().toUpperCase(Locale.ROOT));
                if (k != LAST) {
                    return k;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new IllegalArgumentException("unknown --agg '" + s + "' (count, sum, min, max or avg)");
        }

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param integral every value added was a whole number (sums, minima and maxima are then written as such)
     * @param lastTime event time of {@code last} (Long.MIN_VALUE when empty)
     */
    record Value(long count, double sum, double min, double max, boolean integral, double last, long lastTime) {
        static final Value EMPTY = new Value(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, true, 0, Long.MIN_VALUE);

        Value add(double x, boolean whole, long time) {
            boolean newer = count == 0 || after(time, x, lastTime, last);
            return new Value(count + 1, sum + x, Math.min(min, x), Math.max(max, x), integral && whole, newer ? x : last,
                newer ? time : lastTime);
        }

        Value merge(Value later) {
            boolean newer = later.count > 0 && (count == 0 || after(later.lastTime, later.last, lastTime, last));
            return new Value(count + later.count, sum + later.sum, Math.min(min, later.min), Math.max(max, later.max),
                integral && later.integral, newer ? later.last : last, newer ? later.lastTime : lastTime);
        }

        /**
         * (time, value) after (lastTime, last): a later event time, or at the same time the higher value, so the
         * latest value does not depend on the order records of one time are read in (through a gather topic that
         * order depends on how fast each partition was copied).
         */
        private static boolean after(long time, double x, long lastTime, double last) {
            return time > lastTime || (time == lastTime && x >= last);
        }

        double of(Kind kind) {
            return switch (kind) {
                case COUNT -> count;
                case SUM -> sum;
                case MIN -> min;
                case MAX -> max;
                case AVG -> sum / count;
                case LAST -> last;
            };
        }
    }

    static final int BYTES = 8 * 6 + 1;

    static final Serde<Value> SERDE = new Serde<>() {
        @Override
        public byte[] serialize(Value v) {
            byte[] b = new byte[BYTES];
            serializeTo(v, new UnsafeBuffer(b), 0);
            return b;
        }

        @Override
        public int serializeTo(Value v, MutableDirectBuffer out, int offset) {
            out.putLong(offset, v.count());
            out.putDouble(offset + 8, v.sum());
            out.putDouble(offset + 16, v.min());
            out.putDouble(offset + 24, v.max());
            out.putDouble(offset + 32, v.last());
            out.putLong(offset + 40, v.lastTime());
            out.putByte(offset + 48, (byte) (v.integral() ? 1 : 0));
            return BYTES;
        }

        @Override
        public Value deserialize(DirectBuffer b, int offset, int length) {
            if (length != BYTES) {
                throw new IllegalArgumentException("a window aggregate takes " + BYTES + " bytes, got " + length);
            }
            return new Value(b.getLong(offset), b.getDouble(offset + 8), b.getDouble(offset + 16), b.getDouble(offset + 24),
                b.getByte(offset + 48) != 0, b.getDouble(offset + 32), b.getLong(offset + 40));
        }
    };

    /** Adds each record's field (or just counts it when {@code field} is null). */
    static WindowAggregator<InputRecord<DirectBuffer, DirectBuffer>, Value> aggregator(JsonPath field) {
        return new WindowAggregator<>() {
            @Override
            public Value initial() {
                return Value.EMPTY;
            }

            @Override
            public Value add(Value v, InputRecord<DirectBuffer, DirectBuffer> r) {
                if (field == null) {
                    return new Value(v.count() + 1, 0, 0, 0, true, 0, Math.max(v.lastTime(), r.eventTime()));
                }
                DirectBuffer value = r.value();
                JsonNode n = GroupKey.field(Serdes.json().deserialize(value, 0, value.capacity()), field);
                double x;
                boolean whole;
                if (n.isIntegralNumber() && n.canConvertToLong()) {
                    x = n.longValue();
                    whole = true;
                } else if (n.isNumber()) {
                    x = n.doubleValue();
                    whole = false;
                } else if (n.isTextual()) {
                    x = NumberText.toDouble(n.asText().trim()); // NaN, refused below, when not a number
                    whole = x == Math.rint(x) && !n.asText().contains(".");
                } else {
                    throw notANumber(n);
                }
                if (!Double.isFinite(x)) {
                    throw notANumber(n);
                }
                return v.add(x, whole, r.eventTime());
            }

            private IllegalArgumentException notANumber(JsonNode n) {
                return new IllegalArgumentException("field '" + field.text() + "' is not a number: " + Builtins.abbreviate(n.toString()));
            }

            @Override
            public Value merge(Value earlier, Value later) {
                return earlier.merge(later);
            }
        };
    }

    /** A number as JSON: whole numbers without a fraction when they were whole in the input. */
    static String number(double x, boolean integral) {
        if (integral && Math.abs(x) < 9.007199254740992E15) {
            return Long.toString((long) x);
        }
        if (x == Math.rint(x) && Math.abs(x) < 9.007199254740992E15) {
            return Long.toString((long) x) + ".0";
        }
        return Double.toString(x);
    }
}
