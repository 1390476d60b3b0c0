#!/usr/bin/env bash
# Makes the TLS fixtures of test/fixtures/tls (committed; run again only to replace them):
# a CA, a server certificate for 127.0.0.1 and localhost, a client certificate for mutual TLS,
# and an unrelated CA. Valid for 100 years, so the tests never expire.
set -euo pipefail
out="$(dirname "$0")/../test/fixtures/tls"
mkdir -p "$out"
cd "$out"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days "$days" -subj "/CN=chronoq test CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem -out other-ca.pem -days "$days" -subj "/CN=unrelated CA" 2>/dev/null
rm other-ca-key.pem
sign() { # name subject extensions [ca]
  local ca="${4:-ca}"
  openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$ca.pem" -CAkey "$ca-key.pem" -CAcreateserial -out "$1.pem" -days "$days" -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm "$1.csr"
}
sign server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign client "/CN=chronoq client" "extendedKeyUsage=clientAuth"
# A second CA with its own server and client certificates: the certificates after a rotation.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca2-key.pem -out ca2.pem -days "$days" -subj "/CN=chronoq test CA 2" 2>/dev/null
sign server2 "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth" ca2
sign client2 "/CN=chronoq client 2" "extendedKeyUsage=clientAuth" ca2
rm -f ca-key.pem ca.srl ca2-key.pem ca2.srl
ls
