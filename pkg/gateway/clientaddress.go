package gateway

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// trustedProxies are the networks of the reverse proxies in front of the
// gateway, whose X-Forwarded-For names the client; from anyone else the
// header is ignored, as anyone can write it.
type trustedProxies []*net.IPNet

func parseTrustedProxies(cidrs []string) (trustedProxies, error) {
	var out trustedProxies
	for _, c := range cidrs {
		if !strings.Contains(c, "/") {
			if ip := net.ParseIP(c); ip != nil && ip.To4() != nil {
				c += "/32"
			} else {
				c += "/128"
			}
		}
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", c, err)
		}
		out = append(out, n)
	}
	return out, nil
}

func (t trustedProxies) trusts(ip net.IP) bool {
	for _, n := range t {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientAddress keys the limit of unauthenticated requests: the connection's
// address, or, when that is a trusted proxy, the right-most address of
// X-Forwarded-For that is not one (each proxy appends the address it got
// the request from, so entries left of the last untrusted one may be
// forged), or the left-most if all are.
func (t trustedProxies) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || !t.trusts(ip) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := host
	for i := len(hops) - 1; i >= 0; i-- {
		hop := net.ParseIP(strings.TrimSpace(hops[i]))
		if hop == nil {
			return client // a malformed hop: the last address a proxy vouched for
		}
		client = hop.String()
		if !t.trusts(hop) {
			break
		}
	}
	return client
}
