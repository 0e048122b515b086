# syntax=docker/dockerfile:1
#
# The "openwhisk-action" service of docker/compose.yaml: the demo action's jar and deploy-action.sh
# in the OpenWhisk standalone image, which ships the wsk CLI (/usr/bin/wsk). Build context: the
# repository root (compose.yaml builds it).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The reactor reads every module's pom; only the action is built (compiled for Java 8, OpenWhisk's
# java:default runtime), its tests are not run here.
COPY pom.xml ./
COPY thumbnail-action/pom.xml thumbnail-action/
COPY streams-app/pom.xml streams-app/
COPY devstack/pom.xml devstack/
COPY topology-tests/pom.xml topology-tests/
COPY thumbnail-action/src thumbnail-action/src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -pl thumbnail-action -am package \
    && test -s thumbnail-action/target/thumbnail-action.jar

FROM openwhisk/standalone:nightly
COPY --from=build /src/thumbnail-action/target/thumbnail-action.jar /action/thumbnail-action.jar
COPY docker/deploy-action.sh /action/deploy-action.sh
ENTRYPOINT ["/bin/bash", "/action/deploy-action.sh"]
