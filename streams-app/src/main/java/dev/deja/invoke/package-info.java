/**
 * Calling OpenWhisk: Deja's REST client, the circuit breaker, the asynchronous invoker (the topology's
 * {@code ActionCaller}),
 * and the action version cache that feeds dedup keys.
 *
 * <p>Wiring (one of each per process; close in reverse order):
 * <pre>{@code
 * OpenWhiskSettings ow = OpenWhiskSettings.builder(apiHost, authKey).namespace(ns).build();
 * OpenWhiskClient client = new OpenWhiskClient(ow);
 * ActionVersions versions = new ActionVersions(client, ruleActions);
 * versions.awaitInitial(Duration.ofSeconds(30));   // throws naming the action it cannot read (the app retries)
 * versions.start(Duration.ofMinutes(1));           // versions.versionOf(action) never does I/O
 * Invoker invoker = new Invoker(client, resultStoreOrNull, InvokerSettings.from(ow, 256 * 1024), Clock.systemUTC());
 *
 * // in the processor, for a persisted InvocationRequest:
 * if (invoker.admits()) {
 *     invoker.call(request).thenAccept(outcome -> {
 *         if (outcome instanceof CallOutcome.Done done) {
 *             publish(done.result());   // to deja-invocation-results
 *         } else {
 *             keepQueued(request);           // Deferred: fire it again later
 *         }
 *     });
 * }
 * }</pre>
 * The outcome future completes on an HTTP or scheduler thread, never the caller's, and never exceptionally.
 */
package dev.deja.invoke;
