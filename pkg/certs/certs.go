// Package certs makes the certificates of a standalone server: one CA kept
// in the data directory, a serving certificate and an admin client
// certificate signed by it, and a kubeconfig that uses them.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// Files are the paths of everything Ensure writes.
type Files struct {
	CACert, CAKey           string
	ServingCert, ServingKey string
	AdminCert, AdminKey     string
}

// FilesIn lays the files out in dir.
func FilesIn(dir string) Files {
	return Files{
		CACert: filepath.Join(dir, "ca.crt"), CAKey: filepath.Join(dir, "ca.key"),
		ServingCert: filepath.Join(dir, "serving.crt"), ServingKey: filepath.Join(dir, "serving.key"),
		AdminCert: filepath.Join(dir, "admin.crt"), AdminKey: filepath.Join(dir, "admin.key"),
	}
}

// AdminUser and AdminGroup name the identity of the admin certificate; the
// group is the one every authorizer of the server lets do anything.
const (
	AdminUser  = "stax-admin"
	AdminGroup = "system:masters"
)

// Ensure keeps the CA found in f (creating it the first time) and issues a
// fresh serving certificate for hosts and an admin client certificate.
// Reusing the CA keeps kubeconfigs written earlier valid across restarts.
func Ensure(f Files, hosts []string) error {
	if err := os.MkdirAll(filepath.Dir(f.CACert), 0o700); err != nil {
		return err
	}
	ca, caKey, err := loadOrCreateCA(f)
	if err != nil {
		return err
	}
	return issueLeaves(f, hosts, ca, caKey)
}

// EnsureWithCA issues the serving and admin certificates from a CA kept
// elsewhere (shared by replicas in etcd): only its certificate is written
// to f.CACert, for clients and client-certificate authentication; its key
// stays in memory.
func EnsureWithCA(f Files, hosts []string, caCertPEM, caKeyPEM []byte) error {
	if err := os.MkdirAll(filepath.Dir(f.CACert), 0o700); err != nil {
		return err
	}
	ca, caKey, err := parseCA(caCertPEM, caKeyPEM)
	if err != nil {
		return err
	}
	if err := certutil.WriteCert(f.CACert, caCertPEM); err != nil {
		return err
	}
	return issueLeaves(f, hosts, ca, caKey)
}

func issueLeaves(f Files, hosts []string, ca *x509.Certificate, caKey crypto.Signer) error {
	var ips []net.IP
	var dns []string
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, h)
		}
	}
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "stax-apiserver"},
		DNSNames:    dns,
		IPAddresses: ips,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if err := issue(serving, ca, caKey, f.ServingCert, f.ServingKey); err != nil {
		return err
	}
	admin := &x509.Certificate{
		Subject:     pkix.Name{CommonName: AdminUser, Organization: []string{AdminGroup}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(admin, ca, caKey, f.AdminCert, f.AdminKey)
}

// WriteKubeconfig writes a kubeconfig for the admin certificate.
func WriteKubeconfig(f Files, server, path string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["stax"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: f.CACert}
	cfg.AuthInfos[AdminUser] = &clientcmdapi.AuthInfo{ClientCertificate: f.AdminCert, ClientKey: f.AdminKey}
	cfg.Contexts["stax"] = &clientcmdapi.Context{Cluster: "stax", AuthInfo: AdminUser, Namespace: "default"}
	cfg.CurrentContext = "stax"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*cfg, path)
}

func loadOrCreateCA(f Files) (*x509.Certificate, crypto.Signer, error) {
	if _, err := os.Stat(f.CACert); err == nil {
		certPEM, err := os.ReadFile(f.CACert)
		if err != nil {
			return nil, nil, fmt.Errorf("reading CA %s: %w", f.CACert, err)
		}
		keyPEM, err := os.ReadFile(f.CAKey)
		if err != nil {
			return nil, nil, fmt.Errorf("reading CA key %s: %w", f.CAKey, err)
		}
		return parseCA(certPEM, keyPEM)
	}
	certPEM, keyPEM, err := NewCA()
	if err != nil {
		return nil, nil, err
	}
	if err := keyutil.WriteKey(f.CAKey, keyPEM); err != nil {
		return nil, nil, err
	}
	if err := certutil.WriteCert(f.CACert, certPEM); err != nil {
		return nil, nil, err
	}
	return parseCA(certPEM, keyPEM)
}

// NewCA makes a self-signed CA valid for ten years, PEM.
func NewCA() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: fmt.Sprintf("microstax-ca@%d", now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = keyutil.MarshalPrivateKeyToPEM(key); err != nil {
		return nil, nil, err
	}
	certPEM, err = certutil.EncodeCertificates(&x509.Certificate{Raw: der})
	return certPEM, keyPEM, err
}

func parseCA(certPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	certs, err := certutil.ParseCertsPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the CA certificate: %w", err)
	}
	key, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the CA key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("CA key cannot sign")
	}
	return certs[0], signer, nil
}

func issue(tmpl, ca *x509.Certificate, caKey crypto.Signer, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(365 * 24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writePair(certPath, keyPath, der, key)
}

func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return err
	}
	if err := keyutil.WriteKey(keyPath, keyPEM); err != nil {
		return err
	}
	certPEM, err := certutil.EncodeCertificates(&x509.Certificate{Raw: der})
	if err != nil {
		return err
	}
	return certutil.WriteCert(certPath, certPEM)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}
