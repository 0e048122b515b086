package dev.deja.model;

/**
 * Value of the invoker's {@code invoker-requests} store (key: dedup key): one request and how far its call got.
 * <ul>
 *   <li>{@code activationId} null, {@code result} null: to invoke;</li>
 *   <li>{@code activationId} set, {@code result} null: OpenWhisk accepted it; read the activation, never invoke;</li>
 *   <li>{@code result} set, {@code finishedAtMs} 0: the answer is known and not yet sent to the results topic;</li>
 *   <li>{@code finishedAtMs} set: sent. Kept for a while so a re-sent request of the same attempt is answered
 *       again (by reading the activation, or with the kept failure) rather than invoked again. A success keeps
 *       no result payload here.</li>
 * </ul>
 */
public record InvokerJob(
        InvocationRequest request,
        String activationId,
        InvocationResult result,
        long finishedAtMs) {

    public static InvokerJob of(InvocationRequest request) {
        return new InvokerJob(request, null, null, 0);
    }

    public boolean finished() {
        return finishedAtMs > 0;
    }

    public int attempt() {
        return request.attempt();
    }

    public InvokerJob accepted(String id) {
        return new InvokerJob(request, id, null, 0);
    }

    public InvokerJob settled(InvocationResult answer) {
        return new InvokerJob(request, answer.activationId() != null ? answer.activationId() : activationId, answer, 0);
    }

    /** The marker kept once the result was sent: the failure itself, or for a success only its activation id. */
    public InvokerJob sent(long now) {
        return new InvokerJob(request, activationId, result != null && result.success() ? null : result, Math.max(1, now));
    }

    /** The same job answering a newer attempt of the same dedup key. */
    public InvokerJob withRequest(InvocationRequest newer) {
        return new InvokerJob(newer, activationId, result, finishedAtMs);
    }
}
