package gateway

// WebSocket streams: the upgrade, and how a stream ends.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"k8s.io/klog/v2"
)

// WebSocketProtocol is the subprotocol the gateway speaks. A browser that
// sends its token as a subprotocol must offer this one too: the server
// never echoes the token back.
const WebSocketProtocol = "stax.v1"

var upgrader = websocket.Upgrader{Subprotocols: []string{WebSocketProtocol}}

const writeWait = 10 * time.Second

// upgrade switches to a WebSocket whose context ends when the client goes
// away (a close frame or a broken connection).
func (r *request) upgrade(ctx context.Context) (*websocket.Conn, context.Context, context.CancelFunc, error) {
	// The upgrader writes its own answer: hand it the headers set so far
	// (X-Request-Id) and the apiserver's RateLimit headers.
	h := http.Header{"X-Request-Id": {r.requestID}}
	r.quota.copyTo(h)
	conn, err := upgrader.Upgrade(r.w, r.r, h)
	if err != nil {
		return nil, nil, nil, err // the upgrader answered the client
	}
	r.status = http.StatusSwitchingProtocols
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return conn, ctx, cancel, nil
}

// closeWith ends a WebSocket with a close frame.
func closeWith(conn *websocket.Conn, code int, reason string) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	_ = conn.Close()
}

// finish closes a stream with a close frame saying why it ended, unless
// the client left.
func finish(conn *websocket.Conn, clientCtx context.Context, why error, requestID string) {
	switch {
	case errors.Is(why, errDeleted):
		closeWith(conn, websocket.CloseNormalClosure, "environment deleted")
	case clientCtx.Err() != nil:
		_ = conn.Close() // the client went away
	case why == nil || errors.Is(why, context.Canceled):
		closeWith(conn, websocket.CloseNormalClosure, "stream ended")
	default:
		klog.ErrorS(why, "Stream ended", "requestId", requestID)
		closeWith(conn, websocket.CloseInternalServerErr, "stream ended")
	}
}
