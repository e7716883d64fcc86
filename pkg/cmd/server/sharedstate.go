package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/clusterstate"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/kek"
	"github.com/microstax/stax/pkg/ratelimit"
)

// SharedStateOptions let replicas on one etcd share what they must: with a
// key-encryption key, the token key set and the standalone CA are kept in
// etcd sealed with it (docs/replicas.md), instead of in the data directory.
type SharedStateOptions struct {
	// KeyEncryptionKeyFile holds the key every replica seals and opens the
	// shared secrets with; empty keeps them in the data directory (one
	// replica).
	KeyEncryptionKeyFile string
	// SyncInterval is how often a replica reads the shared key set (to pick
	// up another's rotation) and counts the live replicas.
	SyncInterval time.Duration
	// ActivityWriteInterval is how often a replica writes status.lastUsedTime
	// of the environments used through it; 0 never.
	ActivityWriteInterval time.Duration
}

// NewSharedStateOptions returns the defaults.
func NewSharedStateOptions() *SharedStateOptions {
	return &SharedStateOptions{SyncInterval: 10 * time.Second, ActivityWriteInterval: time.Minute}
}

// AddFlags registers the flags of shared state.
func (o *SharedStateOptions) AddFlags(fs *pflag.FlagSet) {
	o.addKEKFlag(fs)
	fs.DurationVar(&o.SyncInterval, "shared-state-sync-interval", o.SyncInterval, "How often a replica reads the "+
		"shared token key set, to pick up a rotation another replica made, and counts the live replicas.")
	fs.DurationVar(&o.ActivityWriteInterval, "activity-write-interval", o.ActivityWriteInterval, "How often a "+
		"replica writes status.lastUsedTime of the environments used through it, so that the idle timeout of "+
		"every replica's controller sees the use; 0 never writes it.")
}

func (o *SharedStateOptions) addKEKFlag(fs *pflag.FlagSet) {
	fs.StringVar(&o.KeyEncryptionKeyFile, "key-encryption-key-file", o.KeyEncryptionKeyFile, "File of the "+
		"32-byte key (raw, base64 or hex) that seals the token signing keys and the standalone CA in etcd, "+
		"shared by every replica on --etcd-servers. Unset, they stay in the data directory (one replica).")
}

// Validate reports wrong shared-state options.
func (o *SharedStateOptions) Validate() []string {
	var errs []string
	if o.SyncInterval < 100*time.Millisecond {
		errs = append(errs, "--shared-state-sync-interval must be at least 100ms")
	}
	if o.ActivityWriteInterval < 0 {
		errs = append(errs, "--activity-write-interval must not be negative")
	}
	return errs
}

// sharedState is the run's connection to the shared state: made by
// Complete when --key-encryption-key-file is set, closed at the end of Run.
type sharedState struct {
	store   *clusterstate.Store
	members *clusterstate.Members
	// keys is the shared key set the last Config opened.
	keys *clusterstate.KeySet
}

// openSharedState connects to etcd and loads the key-encryption key.
func (o *Options) openSharedState() (*sharedState, error) {
	if o.Shared.KeyEncryptionKeyFile == "" {
		if !o.embeddedEtcd() {
			klog.InfoS("No --key-encryption-key-file: token keys and the CA stay in the data directory, " +
				"so replicas on this etcd would not share them (docs/replicas.md)")
		}
		return nil, nil
	}
	if o.embeddedEtcd() {
		return nil, errors.New("--key-encryption-key-file shares keys through --etcd-servers; " +
			"the embedded etcd belongs to one replica")
	}
	key, err := kek.Load(o.Shared.KeyEncryptionKeyFile)
	if err != nil {
		return nil, err
	}
	client, err := o.etcdClient(o.Recommended.Etcd.StorageConfig.Transport.ServerList)
	if err != nil {
		return nil, err
	}
	store := clusterstate.NewStore(client, o.Recommended.Etcd.StorageConfig.Prefix, key)
	return &sharedState{store: store, members: clusterstate.NewMembers(store, 0)}, nil
}

func (s *sharedState) close() {
	if s != nil {
		_ = s.store.Client().Close()
	}
}

// etcdClient is a client of the etcd the server stores in, with the
// storage's own TLS files.
func (o *Options) etcdClient(etcdServers []string) (*clientv3.Client, error) {
	t := o.Recommended.Etcd.StorageConfig.Transport
	cfg := clientv3.Config{Endpoints: etcdServers, DialTimeout: 10 * time.Second}
	if t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
		tlsConfig, err := (&transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.TrustedCAFile}).ClientConfig()
		if err != nil {
			return nil, err
		}
		cfg.TLS = tlsConfig
	}
	return clientv3.New(cfg)
}

// ensureSharedCertificates issues this replica's serving and admin
// certificates from the CA in etcd, importing the data directory's CA if
// none is stored yet.
func (s *sharedState) ensureCertificates(files certs.Files, hosts []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ca, err := clusterstate.OpenCA(ctx, s.store, files.CACert, files.CAKey, func() (clusterstate.CA, error) {
		cert, key, err := certs.NewCA()
		return clusterstate.CA{CertPEM: cert, KeyPEM: key}, err
	})
	if err != nil {
		return err
	}
	return certs.EnsureWithCA(files, hosts, ca.CertPEM, ca.KeyPEM)
}

// openKeys opens the shared key set, importing keysDir's once.
func (s *sharedState) openKeys(keysDir string) (*identity.KeySet, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ks, err := clusterstate.OpenKeySet(ctx, s.store, keysDir, identity.KeySetConfig{})
	if err != nil {
		return nil, fmt.Errorf("opening the shared token keys: %w", err)
	}
	s.keys = ks
	return ks.Keys(), nil
}

// syncKeys picks up other replicas' rotations and, once the current pair
// has signed for period, rotates: the compare-and-swap makes one replica
// rotate and the others adopt its set. It runs until ctx ends.
func (s *sharedState) syncKeys(ctx context.Context, interval, period time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			if changed, err := s.keys.Sync(ctx); err != nil {
				klog.ErrorS(err, "Reading the shared token keys")
				continue
			} else if changed {
				klog.InfoS("Picked up rotated token signing keys", "kid", s.keys.Keys().Current().ECKeyID())
			}
			if now.Sub(s.keys.Keys().Current().NotBefore()) < period {
				continue
			}
			switch rotated, err := s.keys.Rotate(ctx, now, false); {
			case err == nil && rotated:
				klog.InfoS("Rotated the shared token signing keys", "kid", s.keys.Keys().Current().ECKeyID())
			case err == nil, errors.Is(err, identity.ErrRotateTooEarly):
			default:
				klog.ErrorS(err, "Rotating the shared token signing keys")
			}
		}
	}
}

// requestLimitShare is this replica's share of an organization's request
// limit: each replica counts only the requests it serves, so it enforces
// the limit divided by the live replicas (nil: one replica, the whole).
func (s *sharedState) requestLimitShare() func(limit int) int {
	if s == nil {
		return nil
	}
	return func(limit int) int { return ratelimit.Share(limit, s.members.Count()) }
}
