package collector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestApplyKeepsUnchangedTargetsAndSwapsTheRest(t *testing.T) {
	t.Parallel()
	apis := map[string]*fakeAPI{"prod": testFleet(), "staging": testFleet(), "qa": testFleet()}
	cfg := func(name string) Target {
		c := testTarget()
		c.Name, c.RefreshInterval = name, time.Hour
		return Target{Config: c, API: apis[name]}
	}
	e := NewExporter(nil, []Target{cfg("prod"), cfg("staging")}, nil, Options{PublishInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	served := func(name string) bool {
		return len(seriesWith(t, e, "hss_image_containers", `target="`+name+`"`)) > 0
	}
	require.Eventually(t, func() bool { return served("prod") && served("staging") }, 5*time.Second, 10*time.Millisecond)
	prod, _ := e.lookup("prod")
	prodCalls := apis["prod"].totalCalls()

	added, changed, removed := e.Apply([]Target{cfg("prod"), cfg("qa")})
	require.Equal(t, []string{"qa"}, added)
	require.Empty(t, changed)
	require.Equal(t, []string{"staging"}, removed)
	require.False(t, served("staging"), "a removed target's series go at once")
	require.Empty(t, seriesWith(t, e, "hss_up", `target="staging"`))
	kept, _ := e.lookup("prod")
	require.Same(t, prod, kept, "an unchanged target keeps its state and schedule")
	require.Eventually(t, func() bool { return served("qa") }, 5*time.Second, 10*time.Millisecond, "a new target starts")
	require.Equal(t, prodCalls, apis["prod"].totalCalls(), "and the unchanged one makes no extra call")

	moved := cfg("prod")
	moved.Config.ContainerInfo = true
	_, changed, _ = e.Apply([]Target{moved, cfg("qa")})
	require.Equal(t, []string{"prod"}, changed)
	require.Eventually(t, func() bool { return len(seriesWith(t, e, "hss_container_info", `target="prod"`)) > 0 },
		5*time.Second, 10*time.Millisecond, "a changed target starts afresh under its new configuration")
	require.Len(t, e.Status(), 2)
}
