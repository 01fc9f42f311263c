package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// Connect to a cluster: any members will do; the client finds the rest.
func ExampleNew() {
	c, err := client.New(context.Background(), client.Config{
		Endpoints: []string{"127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leader:", st.LeaderID)
}

// Append, read back and handle a lost conditional append. This example runs
// against a fake in-process cluster.
func Example() {
	fc, err := clienttest.Start(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fc.Close()

	c, err := client.New(context.Background(), client.Config{Endpoints: fc.Addrs()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.CreateLog(ctx, "orders"); err != nil && !errors.Is(err, client.ErrAlreadyExists) {
		fmt.Println(err)
		return
	}
	res, err := c.Append(ctx, "orders", [][]byte{[]byte("order 1"), []byte("order 2")})
	if errors.Is(err, client.ErrOutcomeUnknown) {
		fmt.Println("may or may not have committed; re-read to find out")
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("appended %d..%d\n", res.FirstID, res.LastID)

	// A conditional append expecting a stale last ID loses.
	_, err = c.AppendIf(ctx, "orders", 1, [][]byte{[]byte("order 3")})
	var ce *client.ConditionError
	if errors.As(err, &ce) {
		fmt.Printf("condition failed: last id is %d\n", ce.Actual)
	}
	if _, err := c.AppendIf(ctx, "orders", ce.Actual, [][]byte{[]byte("order 3")}); err != nil {
		fmt.Println(err)
		return
	}

	r, err := c.Read(ctx, "orders", 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			fmt.Println(err)
			return
		}
		if ev.CaughtUp {
			fmt.Println("caught up at", ev.LastID)
			continue
		}
		fmt.Printf("%d: %s\n", ev.Record.ID, ev.Record.Payload)
	}
	// Output:
	// appended 1..2
	// condition failed: last id is 2
	// 1: order 1
	// 2: order 2
	// 3: order 3
	// caught up at 3
}

// A tail reader: Follow keeps the Reader open; it reconnects by itself when
// its node fails, and stops when ctx ends or it is closed.
func ExampleClient_Read_follow() {
	c, err := client.New(context.Background(), client.Config{Endpoints: []string{"127.0.0.1:7101"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	r, err := c.Read(context.Background(), "orders", 0, client.Follow())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for {
		ev, err := r.Next()
		if err != nil {
			fmt.Println(err) // ErrCorrupt, ErrNotFound, *RangeError, ErrClosed, …
			return
		}
		if !ev.CaughtUp {
			fmt.Printf("%d: %s\n", ev.Record.ID, ev.Record.Payload)
		}
	}
}

// An exactly-once writer: chain conditional appends on the last ID.
func ExampleClient_AppendIf() {
	c, err := client.New(context.Background(), client.Config{Endpoints: []string{"127.0.0.1:7101"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Describe(ctx, "orders", client.Linearizable())
	if err != nil {
		fmt.Println(err)
		return
	}
	last := info.LastID
	for _, p := range []string{"a", "b", "c"} {
		res, err := c.AppendIf(ctx, "orders", last, [][]byte{[]byte(p)})
		var ce *client.ConditionError
		if errors.As(err, &ce) {
			fmt.Println("another writer appended; we are fenced off at", ce.Actual)
			return
		} else if err != nil {
			fmt.Println(err)
			return
		}
		last = res.LastID
	}
}
