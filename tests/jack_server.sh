#!/usr/bin/env bash
# Run a command with a JACK dummy server up (48 kHz), for real-time tests, notebooks and soaks:
#
#   tests/jack_server.sh [-p PERIOD_FRAMES] -- COMMAND [ARGS...]
#
# The server gets a name of its own, COMMAND sees it through JACK_DEFAULT_SERVER, and it is
# stopped when COMMAND ends (or is interrupted). Without jackd, or if it will not start,
# COMMAND runs anyway and the real-time tests skip with the reason.
set -u
period=1024
if [ "${1:-}" = "-p" ]; then period=$2; shift 2; fi
if [ "${1:-}" = "--" ]; then shift; fi

if ! command -v jackd >/dev/null 2>&1 || ! command -v jack_wait >/dev/null 2>&1; then
    echo "jack_server.sh: jackd not installed; real-time tests will skip" >&2
    exec "$@"
fi

name="groovebox-$$"
log="${TMPDIR:-/tmp}/$name.log"
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1
pid=""

start() {  # $@: extra jackd options (-r: without real-time scheduling)
    jackd -n "$name" "$@" -d dummy -r 48000 -p "$period" >>"$log" 2>&1 &
    pid=$!
    if jack_wait -s "$name" -w -t 10 >/dev/null 2>&1 && kill -0 "$pid" 2>/dev/null; then
        return 0
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
    return 1
}

stop() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=""
    fi
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

if start || start -r; then
    export JACK_DEFAULT_SERVER="$name"
else
    echo "jack_server.sh: jackd would not start (see $log); real-time tests will skip" >&2
fi
"$@"
