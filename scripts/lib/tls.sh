# shellcheck shell=bash
# The test PKI of scripts/services.sh: a certificate authority made at run time with openssl
# (nothing downloaded), and the certificates the secured listeners and the tests use. Sourced
# after common.sh. Every file is PEM; keys are unencrypted but for client-encrypted.key.
#
# tls_pki DIR makes, once (DIR/.complete marks a finished set):
#   ca.pem, ca.key                      the test CA (trusted by the tests, never by the system)
#   server.pem, server.key              CN=localhost, SAN DNS:localhost, IP:127.0.0.1
#   wrong-host.pem, wrong-host.key      SAN DNS:wrong-host.invalid only (hostname mismatch)
#   client.pem, client.key              CN=eventbus-client (mutual TLS)
#   client-encrypted.key                client.key encrypted (PKCS#8, AES-256) with the
#                                       password in client-key-password.txt
#   client-expired.pem, client-expired.key  CN=eventbus-expired, valid 2020-01-01 to 2020-01-02
#   other-ca.pem, other-client.pem, other-client.key  a second CA and a client it signed (a
#                                       certificate the servers do not trust)

# tls_pki DIR: make the test PKI in DIR unless it is there already.
tls_pki() {
  local dir=$1 tmp
  [[ -f $dir/.complete ]] && return 0
  command -v openssl >/dev/null 2>&1 || die "tls: openssl is required to make the test certificates"
  tmp=$(mktemp -d "${dir%/}.XXXXXX")
  (
    set -euo pipefail
    cd "$tmp"
    tls_ca ca "eventbus test CA"
    tls_ca other-ca "eventbus untrusted CA"
    tls_cert ca server "localhost" "DNS:localhost,IP:127.0.0.1" serverAuth
    tls_cert ca wrong-host "wrong-host.invalid" "DNS:wrong-host.invalid" serverAuth
    tls_cert ca client "eventbus-client" "DNS:eventbus-client" clientAuth
    tls_cert other-ca other-client "eventbus-other-client" "DNS:eventbus-other-client" clientAuth
    tls_expired_cert ca client-expired "eventbus-expired"
    printf 'test-key-password\n' >client-key-password.txt
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client-encrypted.key \
      -passout file:client-key-password.txt 2>/dev/null
    rm -f ./*.csr ./*.srl ./*.ext index.txt* serial* ./*.cnf ./[0-9A-F]*.pem
    touch .complete
  ) || { rm -rf "$tmp"; die "tls: could not make the test certificates"; }
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# tls_ca NAME SUBJECT: a self-signed CA, NAME.pem and NAME.key.
tls_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$1.key" -out "$1.pem" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

# tls_cert CA NAME CN SAN USAGE: NAME.pem and NAME.key signed by CA, for USAGE
# (serverAuth or clientAuth), valid for ten years.
tls_cert() {
  local ca=$1 name=$2 cn=$3 san=$4 usage=$5
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$san" "$usage" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}

# tls_expired_cert CA NAME CN: a client certificate that expired long ago (`openssl ca`
# can set the dates in the past; `openssl x509 -req` cannot).
tls_expired_cert() {
  local ca=$1 name=$2 cn=$3
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  : >index.txt
  echo 1000 >serial
  cat >"$name.cnf" <<EOF
[ca]
default_ca = test
[test]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = client
[any]
commonName = supplied
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
EOF
  openssl ca -batch -config "$name.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
    -startdate 20200101000000Z -enddate 20200102000000Z -in "$name.csr" -out "$name.pem" \
    >/dev/null 2>&1
}
