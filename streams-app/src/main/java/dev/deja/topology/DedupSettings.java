package dev.deja.topology;

import dev.deja.config.DejaConfig;

/** The dedup table's timing and batch settings, read once from the config. */
record DedupSettings(
        long pendingTimeoutMs,
        long failureCooldownMs,
        long entryTtlMs,
        long redeliveryWindowMs,
        int releaseBatch,
        long punctuateIntervalMs,
        int punctuateMaxItems,
        int entryCacheSize,
        long hitsPublishIntervalMs) {

    static DedupSettings from(DejaConfig config) {
        return new DedupSettings(
                config.getLong(DejaConfig.PENDING_TIMEOUT_CONFIG),
                config.getLong(DejaConfig.FAILURE_COOLDOWN_CONFIG),
                config.getLong(DejaConfig.ENTRY_TTL_CONFIG),
                config.getLong(DejaConfig.REDELIVERY_WINDOW_CONFIG),
                config.getInt(DejaConfig.RELEASE_BATCH_CONFIG),
                config.getLong(DejaConfig.PUNCTUATE_INTERVAL_CONFIG),
                config.getInt(DejaConfig.PUNCTUATE_MAX_CONFIG),
                config.getInt(DejaConfig.ENTRY_CACHE_CONFIG),
                config.getLong(DejaConfig.HITS_PUBLISH_INTERVAL_CONFIG));
    }
}
