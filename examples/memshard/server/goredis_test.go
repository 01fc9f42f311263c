// go-redis v9 (RESP2, RESP3, ClusterClient) against memshard.
package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestGoRedisConnectionCommands(t *testing.T) {
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := t.Context()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, ClientName: "gotest"})
			defer rdb.Close()
			if got, err := rdb.Ping(ctx).Result(); err != nil || got != "PONG" {
				t.Fatalf("Ping() = %q, %v", got, err)
			}
			if got, err := rdb.Echo(ctx, "hi\x00\xff").Result(); err != nil || got != "hi\x00\xff" {
				t.Fatalf("Echo() = %q, %v", got, err)
			}
			if got, err := rdb.ClientGetName(ctx).Result(); err != nil || got != "gotest" {
				t.Fatalf("ClientGetName() = %q, %v", got, err)
			}
			cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Ping(ctx)
				p.Echo(ctx, "x")
				return nil
			})
			if err != nil || len(cmds) != 2 || cmds[1].(*redis.StringCmd).Val() != "x" {
				t.Fatalf("TxPipelined() = %v, %v", cmds, err)
			}
			info, err := rdb.Info(ctx, "server").Result()
			if err != nil || !strings.Contains(info, "redis_version:7.0.15") {
				t.Fatalf("Info() = %q, %v", info, err)
			}
			if cfg, err := rdb.ConfigGet(ctx, "save").Result(); err != nil || cfg["save"] != "" || len(cfg) != 1 {
				t.Fatalf("ConfigGet(save) = %v, %v", cfg, err)
			}
			if _, err := rdb.Time(ctx).Result(); err != nil {
				t.Fatalf("Time() = %v", err)
			}
			infos, err := rdb.Command(ctx).Result()
			if err != nil || infos["ping"] == nil || infos["watch"].FirstKeyPos != 1 {
				t.Fatalf("Command() = %d entries, %v", len(infos), err)
			}
			if n, err := rdb.Wait(ctx, 0, 0).Result(); err != nil || n != 0 {
				t.Fatalf("Wait() = %d, %v", n, err)
			}
		})
	}
}

func TestGoRedisData(t *testing.T) {
	requireCommands(t, "set", "get", "incr", "del", "dbsize")
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := t.Context()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, PoolSize: 8})
			defer rdb.Close()
			prefix := fmt.Sprintf("p%d:", proto)
			errs := make(chan error, 8)
			for g := range 8 {
				go func() {
					errs <- mixedWorkload(ctx, rdb, fmt.Sprintf("%sg%d:", prefix, g))
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			// WATCH: a change by another client aborts the transaction.
			key := prefix + "watched"
			err := rdb.Watch(ctx, func(tx *redis.Tx) error {
				if err := rdb.Set(ctx, key, "other", 0).Err(); err != nil {
					return err
				}
				_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, key, "mine", 0)
					return nil
				})
				return err
			}, key)
			if err != redis.TxFailedErr {
				t.Fatalf("Watch() after a concurrent write = %v, want TxFailedErr", err)
			}
			if got, _ := rdb.Get(ctx, key).Result(); got != "other" {
				t.Fatalf("GET %s = %q, want other", key, got)
			}
		})
	}
}

// mixedWorkload runs SET/GET/INCR, pipelines and MULTI blocks on keys under prefix.
func mixedWorkload(ctx context.Context, rdb *redis.Client, prefix string) error {
	for i := range 50 {
		k := prefix + strconv.Itoa(i)
		if err := rdb.Set(ctx, k, i, 0).Err(); err != nil {
			return fmt.Errorf("SET %s: %w", k, err)
		}
		if got, err := rdb.Get(ctx, k).Int(); err != nil || got != i {
			return fmt.Errorf("GET %s = %d, %v", k, got, err)
		}
		if got, err := rdb.Incr(ctx, prefix+"n").Result(); err != nil || got != int64(i+1) {
			return fmt.Errorf("INCR = %d, %v", got, err)
		}
	}
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, prefix+"n")
		p.Get(ctx, prefix+"n")
		p.Ping(ctx)
		return nil
	})
	if err != nil || cmds[1].(*redis.StringCmd).Val() != "51" {
		return fmt.Errorf("MULTI INCR GET PING EXEC = %v, %v", cmds, err)
	}
	pipe := rdb.Pipeline()
	gets := make([]*redis.StringCmd, 50)
	for i := range 50 {
		gets[i] = pipe.Get(ctx, prefix+strconv.Itoa(i))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	for i, g := range gets {
		if g.Val() != strconv.Itoa(i) {
			return fmt.Errorf("pipelined GET %d = %q", i, g.Val())
		}
	}
	return nil
}

func TestGoRedisCluster(t *testing.T) {
	_, addr := startServer(t, Config{})
	ctx := t.Context()
	for _, proto := range []int{2, 3} {
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, Protocol: proto})
		slots, err := cc.ClusterSlots(ctx).Result()
		if err != nil || len(slots) != 1 || slots[0].Start != 0 || slots[0].End != 16383 || slots[0].Nodes[0].Addr != addr {
			t.Fatalf("ClusterSlots() = %+v, %v", slots, err)
		}
		if err := cc.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
			if c.Options().Addr != addr {
				return fmt.Errorf("shard at %s, want %s", c.Options().Addr, addr)
			}
			return c.Ping(ctx).Err()
		}); err != nil {
			t.Fatalf("ForEachShard() = %v", err)
		}
		if got, err := cc.ClusterKeySlot(ctx, "foo").Result(); err != nil || got != 12182 {
			t.Fatalf("ClusterKeySlot(foo) = %d, %v", got, err)
		}
		cc.Close()
	}
	requireCommands(t, "set", "get", "incr")
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	defer cc.Close()
	for i := range 100 {
		k := fmt.Sprintf("{u%d}:k", i)
		if err := cc.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("cluster SET %s: %v", k, err)
		}
		if got, err := cc.Get(ctx, k).Int(); err != nil || got != i {
			t.Fatalf("cluster GET %s = %d, %v", k, got, err)
		}
		if err := cc.Incr(ctx, k).Err(); err != nil {
			t.Fatalf("cluster INCR %s: %v", k, err)
		}
	}
}
