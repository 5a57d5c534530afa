package io.kappa.cli;

import java.util.List;
import java.util.Map;

/** The examples at the end of each command's help, by the command's name after {@code kappa}. */
final class Examples {
    static final Map<String, List<String>> BY_COMMAND = Map.ofEntries(
        Map.entry("", List.of("kappa topic create clicks --partitions 4", "echo '{\"key\":\"u1\",\"value\":{\"page\":\"/\"}}' | kappa append clicks",
            "kappa read clicks --from -10", "kappa run count --by page --group pages --input clicks --output page-counts --until-caught-up",
            "kappa --data-dir /var/lib/kappa status")),
        Map.entry("topic", List.of("kappa topic create clicks --partitions 4 --retention-ms 604800000", "kappa topic list --all",
            "kappa topic describe clicks --json")),
        Map.entry("topic create", List.of("kappa topic create clicks --partitions 4",
            "kappa topic create audit --segment 1d --retention-bytes 10000000000")),
        Map.entry("topic list", List.of("kappa topic list", "kappa topic list --all --json")),
        Map.entry("topic describe", List.of("kappa topic describe clicks", "kappa topic describe clicks --json")),
        Map.entry("topic delete", List.of("kappa topic delete scratch", "kappa topic delete counts.v1 --physical")),
        Map.entry("append", List.of("kappa append clicks --key u1 '{\"page\":\"/\"}'", "kappa append clicks < events.jsonl",
            "kappa append clicks --values --key-field user --time-field at < values.jsonl", "tail -F app.log | kappa append logs --raw")),
        Map.entry("read", List.of("kappa read clicks --limit 10", "kappa read clicks --from -100 --follow",
            "kappa read clicks --from now-5m", "kappa read clicks --from-event-time 2026-11-21T10:00:00Z | head -1")),
        Map.entry("serve", List.of("kappa serve", "kappa serve --bind 0.0.0.0 --token-file tokens.txt --tls-cert cert.pem --tls-key key.pem",
            "echo '{\"topic\":\"clicks\",\"value\":1}' | nc 127.0.0.1 7070")),
        Map.entry("run", List.of("kappa run count --by page --group pages --input clicks --output page-counts",
            "kappa run window-count --by page --size 1m --group per-minute --input clicks --output clicks-per-minute --until-caught-up",
            "kappa run --class com.example.Enrich --jar enrich.jar --group enrich --input clicks --output enriched")),
        Map.entry("replay", List.of("kappa replay count --by user --input clicks --output page-counts.v2 --until-caught-up",
            "kappa replay --verify --group pages", "kappa replay count --by page --input clicks --output counts.v3 --from now-1h --to latest")),
        Map.entry("status", List.of("kappa status", "kappa status pages --json", "kappa status pages --kafka localhost:9092")),
        Map.entry("state", List.of("kappa state pages", "kappa state pages --key /home --json", "kappa state pages --at now-1h",
            "kappa state per-minute --at 5000 --limit 20")),
        Map.entry("rewind", List.of("kappa rewind --group pages --to earliest --dry-run", "kappa rewind --group pages --to now-1h",
            "kappa rewind --group pages --shift -1000", "kappa rewind --group pages --undo")),
        Map.entry("diff", List.of("kappa diff page-counts page-counts.v2", "kappa diff per-minute per-minute.v2 --by key,windowStart --json")),
        Map.entry("promote", List.of("kappa promote page-counts --to v2")),
        Map.entry("golden", List.of("kappa golden record --group pages --out golden/pages --from -1000",
            "kappa golden check golden/pages", "kappa golden check golden/enrich --class com.example.Enrich --jar build/enrich.jar")),
        Map.entry("golden record", List.of("kappa golden record --group pages --out golden/pages --from -1000",
            "kappa golden record --group per-minute --out golden/per-minute --from 2026-11-21T10:00:00Z --to 2026-11-21T11:00:00Z --drain")),
        Map.entry("golden check", List.of("kappa golden check golden/pages",
            "kappa golden check golden/enrich --class com.example.Enrich --jar build/enrich.jar", "kappa golden check golden/pages --update")),
        Map.entry("mirror", List.of("kappa mirror clicks --kafka localhost:9092 --until-caught-up",
            "kappa mirror clicks --from-kafka --kafka prod --to clicks-from-prod")),
        Map.entry("demo", List.of("kappa demo", "kappa demo --events 1000000")),
        Map.entry("completion", List.of("kappa completion bash > ~/.local/share/bash-completion/completions/kappa", "source <(kappa completion bash)", "kappa completion zsh > \"${fpath[1]}/_kappa\"",
            "kappa completion fish > ~/.config/fish/completions/kappa.fish")));

    private Examples() {
    }
}
