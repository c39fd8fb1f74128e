/**
 * The certificate and key of `setupAsyncHTTPSTest` (Tornado ships `test/test.crt` and
 * `test/test.key` for `AsyncHTTPSTestCase` in the same way).
 *
 * A self-signed ECDSA P-256 certificate for `127.0.0.1`, `::1` and `localhost`, valid from
 * 2000 to 2100 so that tests do not depend on the date or on an `openssl` binary. It
 * secures nothing: the key is public. Made with OpenSSL 3.0:
 * `openssl ecparam -name prime256v1 -genkey`, then `openssl ca -selfsign -startdate
 * 20000101000000Z -enddate 21000101000000Z` with `basicConstraints=critical,CA:FALSE`,
 * `keyUsage=critical,digitalSignature`, `extendedKeyUsage=serverAuth` and
 * `subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost`.
 */

/** PEM certificate; clients verify the test server with `{ ca: TEST_CERT }`. */
export const TEST_CERT = [
  "-----BEGIN CERTIFICATE-----\n",
  "MIIB0jCCAXigAwIBAgICEAAwCgYIKoZIzj0EAwIwLjESMBAGA1UEAwwJMTI3LjAu\n",
  "MC4xMRgwFgYDVQQKDA90b3JuYWRvLXRzIHRlc3QwIBcNMDAwMTAxMDAwMDAwWhgP\n",
  "MjEwMDAxMDEwMDAwMDBaMC4xEjAQBgNVBAMMCTEyNy4wLjAuMTEYMBYGA1UECgwP\n",
  "dG9ybmFkby10cyB0ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5q6k/Qk1\n",
  "XtRCgRtG5IJNVpRqzy5LeNn9GWOHWuzve/cf/oTtt5xIumhMfINIhgHXpalMHYbM\n",
  "6bYdaQiTqs1mOqOBgzCBgDAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAT\n",
  "BgNVHSUEDDAKBggrBgEFBQcDATAsBgNVHREEJTAjhwR/AAABhxAAAAAAAAAAAAAA\n",
  "AAAAAAABgglsb2NhbGhvc3QwHQYDVR0OBBYEFCJCipuKFblZHa1Gc3Yvkog0Voyk\n",
  "MAoGCCqGSM49BAMCA0gAMEUCIQCTeoOSBRPb5VECFjBhusBD0ndBu3eQOczZMRYI\n",
  "C7MWMgIgYHNwoLF3/sQUDxCt/Bx8X/D2HhvSf7XsnCrx93FmCEg=\n",
  "-----END CERTIFICATE-----\n",
].join("");

/** PEM PKCS#8 private key of {@link TEST_CERT}. */
export const TEST_KEY = [
  "-----BEGIN PRIVATE KEY-----\n",
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdSNNCEkstqK3mB8f\n",
  "J6cf3ogYNtiiOpu1BeZjQ8ej5JihRANCAATmrqT9CTVe1EKBG0bkgk1WlGrPLkt4\n",
  "2f0ZY4da7O979x/+hO23nEi6aEx8g0iGAdelqUwdhszpth1pCJOqzWY6\n",
  "-----END PRIVATE KEY-----\n",
].join("");
