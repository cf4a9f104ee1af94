# Sourced by the boot-time tests: starts tests/kbs/kbs.py over TLS on a free loopback port with
# a throw-away CA. Needs: $WORK (scratch dir), $PYTHON, $KBS_DIR. Sets KBS_URL, KBS_CA, KBS_PID.
# Loopback only: a proxy from the environment must not see these requests.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

start_test_kbs() {  # start_test_kbs [--resource SPEC]...
    "$PYTHON" "$KBS_DIR/make_test_ca.py" "$WORK/pki" > /dev/null
    "$PYTHON" "$KBS_DIR/kbs.py" --port-file "$WORK/kbs.port" --policy allow-all \
        --tls-cert "$WORK/pki/server.pem" --tls-key "$WORK/pki/server.key" \
        --log "$WORK/kbs.log" "$@" &
    KBS_PID=$!
    local _
    for _ in $(seq 1 100); do
        [ -s "$WORK/kbs.port" ] && break
        kill -0 "$KBS_PID" 2> /dev/null || { cat "$WORK/kbs.log" >&2; return 1; }
        sleep 0.1
    done
    [ -s "$WORK/kbs.port" ] || { echo "test KBS did not start" >&2; return 1; }
    KBS_URL="https://127.0.0.1:$(cat "$WORK/kbs.port")"
    KBS_CA="$WORK/pki/ca.pem"
}

stop_test_kbs() {
    [ -z "${KBS_PID:-}" ] || { kill "$KBS_PID" 2> /dev/null; wait "$KBS_PID" 2> /dev/null || true; }
    KBS_PID=
}

# admin_set_resource PATH FILE: replaces a resource through the test KBS's admin endpoint.
admin_set_resource() {
    curl -sS --fail --cacert "$KBS_CA" -X POST --data-binary "@$2" \
        "$KBS_URL/kbs/v0/resource/$1" > /dev/null
}
