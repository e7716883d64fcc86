package clusterstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"k8s.io/klog/v2"
)

// CA is a certificate authority's certificate and private key, PEM.
type CA struct {
	CertPEM []byte `json:"cert"`
	KeyPEM  []byte `json:"key"`
}

// OpenCA reads the stored CA, or stores one: the CA of a single server's
// files (importCert, importKey) when they exist, imported once, else
// newCA(). Replicas that start together agree on whichever was stored first.
func OpenCA(ctx context.Context, store *Store, importCert, importKey string, newCA func() (CA, error)) (CA, error) {
	data, _, found, err := store.Get(ctx, CAName)
	if err != nil {
		return CA{}, err
	}
	if !found {
		candidate, imported, err := initialCA(importCert, importKey, newCA)
		if err != nil {
			return CA{}, err
		}
		encoded, err := json.Marshal(candidate)
		if err != nil {
			return CA{}, err
		}
		var created bool
		if data, _, created, err = store.Create(ctx, CAName, encoded); err != nil {
			return CA{}, err
		}
		if created && imported {
			klog.InfoS("Imported the CA of the data directory into etcd; etcd's copy is used from now on", "cert", importCert)
		}
	}
	var ca CA
	if err := json.Unmarshal(data, &ca); err != nil {
		return CA{}, fmt.Errorf("clusterstate: parse the stored CA: %w", err)
	}
	return ca, nil
}

func initialCA(certPath, keyPath string, newCA func() (CA, error)) (CA, bool, error) {
	cert, certErr := os.ReadFile(certPath)
	key, keyErr := os.ReadFile(keyPath)
	switch {
	case certErr == nil && keyErr == nil:
		return CA{CertPEM: cert, KeyPEM: key}, true, nil
	case errors.Is(certErr, fs.ErrNotExist) || errors.Is(keyErr, fs.ErrNotExist):
		ca, err := newCA()
		return ca, false, err
	case certErr != nil:
		return CA{}, false, certErr
	default:
		return CA{}, false, keyErr
	}
}
