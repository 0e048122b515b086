#!/bin/bash
# Keeps the demo action deployed in OpenWhisk (the compose service "openwhisk-action").
#
# OpenWhisk standalone keeps actions in memory: every restart of its container forgets them, and
# calls then answer 404. So this does not deploy once and exit: every INTERVAL seconds it asks
# whether the action exists and creates it when it does not (at the first start, and again after
# each restart of OpenWhisk). It runs in the OpenWhisk standalone image, which ships the wsk CLI.
#
# Secrets come from the environment only; the S3 keys reach wsk through a parameter file readable
# by this user alone, never on a command line, and nothing here prints them.
set -uo pipefail

: "${OPENWHISK_APIHOST:?set OPENWHISK_APIHOST}" "${OPENWHISK_AUTH:?set OPENWHISK_AUTH}"
: "${S3_ENDPOINT:?set S3_ENDPOINT}" "${S3_ACCESS_KEY:?set S3_ACCESS_KEY}" "${S3_SECRET_KEY:?set S3_SECRET_KEY}"
ACTION="${ACTION_NAME:-thumbnail}"
JAR="${ACTION_JAR:-/action/thumbnail-action.jar}"
INTERVAL="${INTERVAL:-10}"

umask 077
export WSK_CONFIG_FILE="${WSK_CONFIG_FILE:-/tmp/wskprops}"
wsk property set --apihost "$OPENWHISK_APIHOST" --auth "$OPENWHISK_AUTH" > /dev/null
params="$(mktemp)"
# The keys are letters and digits (docker/.env): no JSON escaping needed.
printf '{"s3Endpoint":"%s","s3AccessKey":"%s","s3SecretKey":"%s"}\n' \
  "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > "$params"

trap 'exit 0' TERM INT
echo "keeping action '$ACTION' deployed at $OPENWHISK_APIHOST (checking every ${INTERVAL}s)"
while true; do
  if ! wsk -i action get "$ACTION" --summary > /dev/null 2>&1; then
    if wsk -i action update "$ACTION" "$JAR" --main dev.deja.action.ThumbnailAction --kind java:default \
        --param-file "$params" > /dev/null; then
      echo "deployed action '$ACTION' ($(wsk -i action get "$ACTION" 2>/dev/null | grep -o '"version": "[^"]*"' | head -n 1))"
    else
      echo "cannot deploy action '$ACTION' yet (is OpenWhisk up?); trying again in ${INTERVAL}s" >&2
    fi
  fi
  sleep "$INTERVAL" & wait $!
done
