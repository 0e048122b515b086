package dev.deja.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.serde.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The few CouchDB HTTP calls the mirror needs, over one shared {@link OkHttpClient}.
 *
 * <p>Every call is synchronous and bounded by {@link CouchSettings#requestTimeout()}. Failures are
 * {@link CouchException}s whose messages never contain the password. Works against CouchDB 3 and
 * pouchdb-server.
 */
public class CouchClient {

    /** The design document holding the mirror's views. */
    public static final String DESIGN_ID = "_design/deja";
    public static final String VIEW_BY_ACTION = "by_action";
    public static final String VIEW_BY_STATUS = "by_status";
    public static final String VIEW_BY_MD5 = "by_md5";

    private static final MediaType JSON = MediaType.get("application/json");
    private static final int PAGE = 1000;
    private static final int MAX_ERROR_BODY = 300;

    /** The base client every CouchClient derives from, so they share connections and threads. */
    private static final OkHttpClient SHARED = new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(30, TimeUnit.SECONDS)
            .writeTimeout(30, TimeUnit.SECONDS)
            .callTimeout(60, TimeUnit.SECONDS)
            .build();

    private final CouchSettings settings;
    private final OkHttpClient http;
    private final HttpUrl dbUrl;
    private final String authorization;

    public CouchClient(CouchSettings settings) {
        this(settings, SHARED);
    }

    /** A client over {@code base} (its connection pool and dispatcher), with this settings' timeouts. */
    public CouchClient(CouchSettings settings, OkHttpClient base) {
        this.settings = settings;
        long timeoutMs = settings.requestTimeout().toMillis();
        this.http = base.newBuilder()
                .connectTimeout(Math.min(timeoutMs, 5_000), TimeUnit.MILLISECONDS)
                .readTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .writeTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .callTimeout(timeoutMs * 2, TimeUnit.MILLISECONDS)
                .build();
        HttpUrl server = HttpUrl.parse(settings.url());
        if (server == null) {
            throw new IllegalArgumentException("not an http(s) url for CouchDB");
        }
        this.dbUrl = server.newBuilder().addPathSegment(settings.database()).build();
        this.authorization = settings.hasCredentials()
                ? Credentials.basic(settings.username(), settings.password() == null ? "" : settings.password())
                : null;
    }

    public CouchSettings settings() {
        return settings;
    }

    /** The result of one document of a {@code _bulk_docs} request: a new {@code rev}, or an error. */
    public record BulkResult(String id, String rev, String error, String reason) {
        public boolean ok() {
            return error == null;
        }

        public boolean isConflict() {
            return "conflict".equals(error);
        }
    }

    /**
     * The current state of one document as {@code _all_docs} reports it: its winning revision,
     * whether that revision is a deletion, and the body (null when deleted).
     */
    public record DocState(String id, String rev, boolean deleted, ObjectNode doc) {
    }

    /** Creates the database; false when it already existed (412). */
    public boolean ensureDatabase() {
        try (Response response = execute("PUT", dbUrl, RequestBody.create(new byte[0], JSON))) {
            if (response.code() == 412) {
                return false;
            }
            expect(response, "PUT", 201, 202);
            return true;
        }
    }

    /** Deletes the database; false when there was none (404). */
    public boolean deleteDatabase() {
        try (Response response = execute("DELETE", dbUrl, null)) {
            if (response.code() == 404) {
                return false;
            }
            expect(response, "DELETE", 200, 202);
            return true;
        }
    }

    /**
     * Creates or updates {@value #DESIGN_ID} with the views {@value #VIEW_BY_ACTION},
     * {@value #VIEW_BY_STATUS} and {@value #VIEW_BY_MD5} (keys: action, status, md5). Writes only
     * when the stored views differ; returns whether it wrote.
     */
    public boolean ensureDesignDoc() {
        ObjectNode wanted = designDoc();
        Optional<ObjectNode> current = get(DESIGN_ID);
        if (current.isPresent()
                && wanted.get("views").equals(current.get().get("views"))
                && wanted.get("language").equals(current.get().get("language"))) {
            return false;
        }
        current.ifPresent(doc -> wanted.put("_rev", doc.path("_rev").asText()));
        HttpUrl url = dbUrl.newBuilder().addPathSegment("_design").addPathSegment("deja").build();
        try (Response response = execute("PUT", url, RequestBody.create(Json.write(wanted), JSON))) {
            expect(response, "PUT", 201, 202);
            return true;
        }
    }

    static ObjectNode designDoc() {
        ObjectNode doc = Json.object();
        doc.put("_id", DESIGN_ID);
        doc.put("language", "javascript");
        ObjectNode views = doc.putObject("views");
        views.putObject(VIEW_BY_ACTION).put("map", emitField("action"));
        views.putObject(VIEW_BY_STATUS).put("map", emitField("status"));
        views.putObject(VIEW_BY_MD5).put("map", emitField("md5"));
        return doc;
    }

    private static String emitField(String field) {
        return "function (doc) { if (doc." + field + ") { emit(doc." + field + ", null); } }";
    }

    /**
     * Writes documents in one {@code _bulk_docs} request (not atomic: each document succeeds or
     * fails on its own). Returns one result per document, in request order.
     */
    public List<BulkResult> bulkDocs(List<ObjectNode> docs) {
        if (docs.isEmpty()) {
            return List.of();
        }
        ObjectNode body = Json.object();
        body.putArray("docs").addAll(docs);
        HttpUrl url = dbUrl.newBuilder().addPathSegment("_bulk_docs").build();
        try (Response response = execute("POST", url, RequestBody.create(Json.write(body), JSON))) {
            expect(response, "POST", 201, 202);
            JsonNode answer = readBody(response, "POST", url);
            List<BulkResult> results = new ArrayList<>(docs.size());
            for (JsonNode row : answer) {
                String error = text(row, "error");
                results.add(new BulkResult(text(row, "id"), text(row, "rev"), error,
                        error == null ? null : text(row, "reason")));
            }
            if (results.size() != docs.size()) {
                throw new CouchException("POST " + redacted(url) + ": " + docs.size() + " docs sent, "
                        + results.size() + " results", response.code(), null, null);
            }
            return results;
        }
    }

    /**
     * The current revisions (and bodies) of the given ids, via {@code POST _all_docs?include_docs=true}.
     * Ids that never existed are absent from the map; deleted ones are present with
     * {@link DocState#deleted()}.
     */
    public Map<String, DocState> allDocs(Collection<String> ids) {
        Map<String, DocState> states = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return states;
        }
        ObjectNode body = Json.object();
        ArrayNode keys = body.putArray("keys");
        ids.forEach(keys::add);
        HttpUrl url = dbUrl.newBuilder().addPathSegment("_all_docs")
                .addQueryParameter("include_docs", "true").build();
        try (Response response = execute("POST", url, RequestBody.create(Json.write(body), JSON))) {
            expect(response, "POST", 200);
            for (JsonNode row : readBody(response, "POST", url).path("rows")) {
                if (row.has("error") || !row.has("id")) {
                    continue;
                }
                JsonNode value = row.path("value");
                JsonNode doc = row.path("doc");
                states.put(row.get("id").asText(), new DocState(row.get("id").asText(), text(value, "rev"),
                        value.path("deleted").asBoolean(false), doc.isObject() ? (ObjectNode) doc : null));
            }
        }
        return states;
    }

    /** Every document of the database except design documents, in id order. */
    public List<ObjectNode> allDocuments() {
        List<ObjectNode> docs = new ArrayList<>();
        String startKey = null;
        while (true) {
            HttpUrl.Builder url = dbUrl.newBuilder().addPathSegment("_all_docs")
                    .addQueryParameter("include_docs", "true")
                    .addQueryParameter("limit", String.valueOf(PAGE + 1));
            if (startKey != null) {
                url.addQueryParameter("startkey", Json.write(startKey));
            }
            List<ObjectNode> page = new ArrayList<>();
            HttpUrl built = url.build();
            try (Response response = execute("GET", built, null)) {
                expect(response, "GET", 200);
                for (JsonNode row : readBody(response, "GET", built).path("rows")) {
                    if (row.path("doc").isObject()) {
                        page.add((ObjectNode) row.get("doc"));
                    }
                }
            }
            boolean more = page.size() > PAGE;
            for (ObjectNode doc : more ? page.subList(0, PAGE) : page) {
                if (!doc.path("_id").asText().startsWith("_design/")) {
                    docs.add(doc);
                }
            }
            if (!more) {
                return docs;
            }
            startKey = page.get(PAGE).path("_id").asText();
        }
    }

    /** One document, or empty when it does not exist or was deleted. */
    public Optional<ObjectNode> get(String id) {
        HttpUrl.Builder url = dbUrl.newBuilder();
        if (id.startsWith("_design/")) {
            url.addPathSegment("_design").addPathSegment(id.substring("_design/".length()));
        } else {
            url.addPathSegment(id);
        }
        HttpUrl built = url.build();
        try (Response response = execute("GET", built, null)) {
            if (response.code() == 404) {
                return Optional.empty();
            }
            expect(response, "GET", 200);
            return Optional.of((ObjectNode) readBody(response, "GET", built));
        }
    }

    /** The documents whose {@code view} key equals {@code key}, at most {@code limit} of them. */
    public List<ObjectNode> queryView(String view, String key, int limit) {
        HttpUrl url = dbUrl.newBuilder().addPathSegment("_design").addPathSegment("deja")
                .addPathSegment("_view").addPathSegment(view)
                .addQueryParameter("key", Json.write(key))
                .addQueryParameter("include_docs", "true")
                .addQueryParameter("limit", String.valueOf(limit))
                .build();
        List<ObjectNode> docs = new ArrayList<>();
        try (Response response = execute("GET", url, null)) {
            expect(response, "GET", 200);
            for (JsonNode row : readBody(response, "GET", url).path("rows")) {
                if (row.path("doc").isObject()) {
                    docs.add((ObjectNode) row.get("doc"));
                }
            }
        }
        return docs;
    }

    /** Whether the server answers {@code GET /} at all. */
    public boolean ping() {
        HttpUrl root = dbUrl.newBuilder().encodedPath("/").build();
        try (Response response = execute("GET", root, null)) {
            return response.isSuccessful();
        } catch (CouchException e) {
            return false;
        }
    }

    private Response execute(String method, HttpUrl url, RequestBody body) {
        Request.Builder request = new Request.Builder().url(url).method(method, body)
                .header("Accept", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.newCall(request.build()).execute();
        } catch (IOException e) {
            // the url carries no credentials (CouchSettings refuses them) and the password travels
            // only in the Authorization header, which no OkHttp message quotes
            throw new CouchException(method + " " + redacted(url) + " failed: "
                    + redact(e.getClass().getSimpleName() + ": " + e.getMessage()), 0, null, e);
        }
    }

    private void expect(Response response, String method, int... codes) {
        for (int code : codes) {
            if (response.code() == code) {
                return;
            }
        }
        String error = null;
        String detail;
        try {
            ResponseBody body = response.body();
            String text = body.string();
            detail = text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "..." : text;
            JsonNode json = Json.parse(text);
            error = text(json, "error");
            if (error != null) {
                detail = error + ": " + text(json, "reason");
            }
        } catch (IOException | IllegalArgumentException e) {
            detail = "(no readable body)";
        }
        throw new CouchException(method + " " + redacted(response.request().url()) + " answered HTTP "
                + response.code() + " " + redact(detail), response.code(), error, null);
    }

    private JsonNode readBody(Response response, String method, HttpUrl url) {
        try (InputStream in = response.body().byteStream()) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new CouchException(method + " " + redacted(url) + ": unreadable answer: "
                    + redact(String.valueOf(e.getMessage())), 0, null, null);
        }
    }

    /** The url without user info or query: what error messages show. */
    private static String redacted(HttpUrl url) {
        return url.newBuilder().username("").password("").query(null).build().toString();
    }

    private String redact(String text) {
        String password = settings.password();
        if (text == null || password == null || password.isEmpty()) {
            return text;
        }
        return text.replace(password, "****");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
