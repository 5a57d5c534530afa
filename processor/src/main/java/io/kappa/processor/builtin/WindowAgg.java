package io.kappa.processor.builtin;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.InPlaceValue;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.window.DistinctCount;
import io.kappa.processor.window.Percentiles;
import io.kappa.processor.window.WindowAggregator;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The aggregates of the windowed built-ins over a field of JSON values: count, sum, min, max, average, and the latest
 * value by event time (for {@code top}; at equal times the highest), which one value holds, so they share one serde
 * and one merge; and percentiles ({@link Percentiles}) and distinct counts ({@link DistinctCount}).
 */
final class WindowAgg {
    enum Kind {
        COUNT, SUM, MIN, MAX, AVG, LAST, P50(50), P90(90), P95(95), P99(99), P999(99.9), DISTINCT;

        private static final String NAMES = "count, sum, min, max, avg, p50, p90, p95, p99, p999 or distinct";

        /** The percentile of the P kinds; NaN for the others. */
        final double percentile;

        Kind() {
            this(Double.NaN);
        }

        Kind(double percentile) {
            this.percentile = percentile;
        }

        static Kind parse(String s) {
            if (s == null) {
                throw new IllegalArgumentException("--agg needs " + NAMES);
            }
            try {
                Kind k = valueOf(s.trim().toUpperCase(Locale.ROOT));
                if (k != LAST) {
                    return k;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new IllegalArgumentException("unknown --agg '" + s + "' (" + NAMES + ")");
        }

        boolean isPercentile() {
            return !Double.isNaN(percentile);
        }

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * count, sum, min, max, whether every value added was a whole number ({@code integral}: sums, minima and maxima are
     * then written as such), and the latest value by event time ({@code last} at {@code lastTime}, Long.MIN_VALUE
     * when empty). {@link #add} and {@link #merge} return new values; in hopping windows a value in state is changed
     * in place ({@link #addInPlace}, {@link #countInPlace}), its state saved by the store first.
     */
    static final class Value implements InPlaceValue {
        static final Value EMPTY = new Value(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, true, 0, Long.MIN_VALUE);

        private long count;
        private double sum;
        private double min;
        private double max;
        private boolean integral;
        private double last;
        private long lastTime;

        Value(long count, double sum, double min, double max, boolean integral, double last, long lastTime) {
            this.count = count;
            this.sum = sum;
            this.min = min;
            this.max = max;
            this.integral = integral;
            this.last = last;
            this.lastTime = lastTime;
        }

        long count() {
            return count;
        }

        double sum() {
            return sum;
        }

        double min() {
            return min;
        }

        double max() {
            return max;
        }

        boolean integral() {
            return integral;
        }

        double last() {
            return last;
        }

        long lastTime() {
            return lastTime;
        }

        Value add(double x, boolean whole, long time) {
            Value v = copy();
            v.addInPlace(x, whole, time);
            return v;
        }

        /** Adds {@code x} (at event time {@code time}) to this value. */
        void addInPlace(double x, boolean whole, long time) {
            boolean newer = count == 0 || after(time, x, lastTime, last);
            count++;
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
            integral = integral && whole;
            if (newer) {
                last = x;
                lastTime = time;
            }
        }

        /** The count of a count-only value one on: no field, so no sum, min, max or latest value. */
        Value counted(long time) {
            return new Value(count + 1, 0, 0, 0, true, 0, Math.max(lastTime, time));
        }

        /** {@link #counted} in place, on a value {@code counted} made. */
        void countInPlace(long time) {
            count++;
            lastTime = Math.max(lastTime, time);
        }

        private Value copy() {
            return new Value(count, sum, min, max, integral, last, lastTime);
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
                default -> throw new IllegalArgumentException(kind.field() + " is not kept in this aggregate");
            };
        }

        @Override
        public int stateLongs() {
            return 7;
        }

        @Override
        public void saveTo(long[] to, int at) {
            to[at] = count;
            to[at + 1] = Double.doubleToRawLongBits(sum);
            to[at + 2] = Double.doubleToRawLongBits(min);
            to[at + 3] = Double.doubleToRawLongBits(max);
            to[at + 4] = integral ? 1 : 0;
            to[at + 5] = Double.doubleToRawLongBits(last);
            to[at + 6] = lastTime;
        }

        @Override
        public void restoreFrom(long[] from, int at) {
            count = from[at];
            sum = Double.longBitsToDouble(from[at + 1]);
            min = Double.longBitsToDouble(from[at + 2]);
            max = Double.longBitsToDouble(from[at + 3]);
            integral = from[at + 4] != 0;
            last = Double.longBitsToDouble(from[at + 5]);
            lastTime = from[at + 6];
        }

        @Override
        public String toString() {
            return "Value[count=" + count + ", sum=" + sum + ", min=" + min + ", max=" + max + ", integral=" + integral
                + ", last=" + last + ", lastTime=" + lastTime + "]";
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
                    return v.counted(r.eventTime());
                }
                JsonNode n = fieldOf(r, field);
                double x = number(n, field);
                return v.add(x, whole(n, x), r.eventTime());
            }

            @Override
            public boolean addsInPlace() {
                return true;
            }

            @Override
            public void addInPlace(Value v, InputRecord<DirectBuffer, DirectBuffer> r) {
                if (field == null) {
                    v.countInPlace(r.eventTime());
                    return;
                }
                JsonNode n = fieldOf(r, field);
                double x = number(n, field);
                v.addInPlace(x, whole(n, x), r.eventTime());
            }

            @Override
            public Value merge(Value earlier, Value later) {
                return earlier.merge(later);
            }
        };
    }

    /** Whether a field's value {@code x} was written as a whole number. */
    private static boolean whole(JsonNode n, double x) {
        return (n.isIntegralNumber() && n.canConvertToLong()) || (n.isTextual() && x == Math.rint(x) && !n.asText().contains("."));
    }

    /** The field of a record's JSON value; an error when it is missing. */
    static JsonNode fieldOf(InputRecord<DirectBuffer, DirectBuffer> r, JsonPath field) {
        DirectBuffer value = r.value();
        return GroupKey.field(Serdes.json().deserialize(value, 0, value.capacity()), field);
    }

    /** A JSON number, or a string holding one, as a finite double; an error naming the field otherwise. */
    static double number(JsonNode n, JsonPath field) {
        double x;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            x = n.longValue();
        } else if (n.isNumber()) {
            x = n.doubleValue();
        } else if (n.isTextual()) {
            x = NumberText.toDouble(n.asText().trim()); // NaN, refused below, when not a number
        } else {
            x = Double.NaN;
        }
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("field '" + field.text() + "' is not a number: " + Builtins.abbreviate(n.toString()));
        }
        return x;
    }

    /** The percentiles of a numeric field. */
    static WindowAggregator<InputRecord<DirectBuffer, DirectBuffer>, Percentiles> percentiles(JsonPath field) {
        return new WindowAggregator<>() {
            @Override
            public Percentiles initial() {
                return Percentiles.empty();
            }

            @Override
            public Percentiles add(Percentiles p, InputRecord<DirectBuffer, DirectBuffer> r) {
                return p.add(number(fieldOf(r, field), field));
            }

            @Override
            public Percentiles merge(Percentiles earlier, Percentiles later) {
                return earlier.merge(later);
            }
        };
    }

    /** The distinct values of a field: strings by their text, other JSON values by their JSON text. */
    static WindowAggregator<InputRecord<DirectBuffer, DirectBuffer>, DistinctCount> distinct(JsonPath field) {
        return new WindowAggregator<>() {
            @Override
            public DistinctCount initial() {
                return DistinctCount.empty();
            }

            @Override
            public DistinctCount add(DistinctCount d, InputRecord<DirectBuffer, DirectBuffer> r) {
                return d.add(GroupKey.text(fieldOf(r, field)));
            }

            @Override
            public DistinctCount merge(DistinctCount earlier, DistinctCount later) {
                return earlier.merge(later);
            }
        };
    }

    /** An approximate number as JSON: 4 significant digits, plain (no exponent). */
    static String approximate(double x) {
        return new java.math.BigDecimal(x).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
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
