package io.kappa.log;

/** The one rule for topic names: 1 to 200 of {@code [A-Za-z0-9._-]}, and not {@code .} or {@code ..}. */
public final class TopicNames {
    public static final int MAX_LENGTH = 200;

    private TopicNames() {
    }

    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new LogException.InvalidTopicName("invalid topic name: it is empty (use 1-" + MAX_LENGTH + " of A-Z a-z 0-9 . _ -)");
        }
        if (name.length() > MAX_LENGTH) {
            throw new LogException.InvalidTopicName("invalid topic name: " + name.length() + " characters, the maximum is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new LogException.InvalidTopicName("invalid topic name '" + printable(name) + "': character "
                    + printable(String.valueOf(c)) + " at position " + i + " is not allowed (use A-Z a-z 0-9 . _ -)");
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw new LogException.InvalidTopicName("invalid topic name '" + name + "': reserved");
        }
        return name;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
