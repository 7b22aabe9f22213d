package callbacks

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"time"
)

// An Outbox keeps queued callbacks outside the process, so that when a
// replica of the fake stops (killed, crashed) before sending them another
// replica sends them: at least once. Package redisstore implements it.
type Outbox interface {
	// Put keeps callbacks (by key) before they are queued.
	Put(ctx context.Context, items map[string][]byte) error
	// Done forgets a callback once it is finished: delivered, given up,
	// dropped or refused.
	Done(ctx context.Context, key string) error
	// TakeOver returns the callbacks of replicas that stopped, each to one
	// caller only, now kept as the caller's.
	TakeOver(ctx context.Context) (map[string][]byte, error)
}

// outboxTimeout bounds one round trip to the Outbox: a store that does not
// answer costs a request at most this.
const outboxTimeout = 250 * time.Millisecond

// stored is a delivery as the Outbox keeps it.
type stored struct {
	Session string            `json:"session,omitempty"`
	PhloID  string            `json:"phlo_id"`
	NodeID  string            `json:"node_id"`
	Token   string            `json:"token"`
	Kind    Kind              `json:"event"`
	Member  string            `json:"member,omitempty"`
	Seq     uint64            `json:"seq"`
	Index   int               `json:"index"`
	Params  map[string]string `json:"params"`
	Target  Target            `json:"target"`
	Bad     bool              `json:"bad_signature,omitempty"`
	Faults  string            `json:"faults,omitempty"`
}

func newInstance() string { return rand.Text()[:10] }

// keep puts the deliveries that will be sent into the Outbox. A store
// that fails is logged: the callbacks are still sent, from memory.
func (d *Dispatcher) keep(dls []*delivery) {
	items := map[string][]byte{}
	for _, dl := range dls {
		if dl.fault.Drop {
			continue
		}
		n := dl.notice
		b, _ := json.Marshal(stored{Session: n.Session, PhloID: n.PhloID, NodeID: n.NodeID, Token: n.Token,
			Kind: dl.event.Kind, Member: dl.event.Member, Seq: dl.event.Seq, Index: dl.event.Index, Params: dl.event.Params,
			Target: dl.target, Bad: dl.fault.BadSignature, Faults: dl.faults})
		items[dl.key] = b
	}
	if len(items) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	if err := d.cfg.Outbox.Put(ctx, items); err != nil {
		d.cfg.Logger.Warn("callbacks not kept in the store: sent from this replica's memory only", "callbacks", len(items), "error", err.Error())
	}
}

// finish forgets a finished callback in the Outbox.
func (d *Dispatcher) finish(dl *delivery) {
	if d.cfg.Outbox == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	if err := d.cfg.Outbox.Done(ctx, dl.key); err != nil {
		d.cfg.Logger.Warn("a finished callback stays in the store: another replica may send it again", "id", dl.key, "error", err.Error())
	}
}

// takeOver asks the Outbox, every Config.TakeOverEvery, for the callbacks
// of replicas that stopped, and queues them.
func (d *Dispatcher) takeOver() {
	defer d.wg.Done()
	t := time.NewTicker(d.cfg.TakeOverEvery)
	defer t.Stop()
	for {
		select {
		case <-d.closing:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*outboxTimeout)
		items, err := d.cfg.Outbox.TakeOver(ctx)
		cancel()
		if err != nil {
			d.cfg.Logger.Warn("callbacks of stopped replicas not taken over", "error", err.Error())
			continue
		}
		if len(items) == 0 {
			continue
		}
		d.cfg.Logger.Info("callbacks of a stopped replica taken over", "callbacks", len(items))
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return // kept as ours in the store: the next replica takes them
		}
		for key, b := range items {
			var s stored
			if err := json.Unmarshal(b, &s); err != nil {
				continue
			}
			n := &Notice{Session: s.Session, Token: s.Token}
			n.PhloID, n.NodeID = s.PhloID, s.NodeID
			dl := &delivery{id: d.ids.Add(1), key: key, notice: n, recovered: true, target: s.Target, faults: s.Faults,
				event:   Event{Kind: s.Kind, Member: s.Member, Seq: s.Seq, Index: s.Index, Params: s.Params},
				partKey: s.Session + "\x00" + s.PhloID + "\x00" + s.NodeID}
			dl.fault.BadSignature = s.Bad
			d.enqueue(dl)
		}
		d.mu.Unlock()
	}
}
