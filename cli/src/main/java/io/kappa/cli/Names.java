package io.kappa.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** The names a data directory holds (topics, groups), read without opening or creating anything, and the nearest one to a typo. */
final class Names {
    private Names() {
    }

    /** Names of the subdirectories of {@code dir}, sorted; none when it does not exist. */
    static List<String> under(Path dir) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && !p.getFileName().toString().startsWith(".")) {
                    names.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return names;
        }
        Collections.sort(names);
        return names;
    }

    static List<String> topics(Path dataDir) {
        return under(dataDir.resolve("topics"));
    }

    static List<String> groups(Path dataDir) {
        return under(dataDir.resolve("groups"));
    }

    /** The error for a group that has no directory in {@code dataDir}, naming the nearest one or the groups there. */
    static CommandFailure unknownGroup(String group, Path dataDir) {
        List<String> groups = groups(dataDir);
        String near = didYouMean(group, groups);
        return new CommandFailure("unknown group '" + group + "' in " + dataDir + (!near.isEmpty() ? near
            : groups.isEmpty() ? " (no groups yet: `kappa run` makes one)" : " (groups: " + String.join(", ", groups) + ")"));
    }

    /** "; did you mean 'clicks'?" for the candidate nearest to {@code name} if it is near enough, else "". */
    static String didYouMean(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(name.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        boolean near = bestDistance <= Math.max(1, name.length() / 3) && bestDistance < name.length();
        if (best == null || !near && !(name.length() > 2 && (best.startsWith(name) || name.startsWith(best)))) {
            return "";
        }
        return "; did you mean '" + best + "'?";
    }

    /** Edit distance counting a swap of two neighbouring characters as one edit (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
