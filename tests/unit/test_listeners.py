"""pyinfra_compose.listeners: who holds a port, from the target's own listings (captured here)."""

from __future__ import annotations

import pytest

from pyinfra_compose.listeners import (
    Listener,
    Published,
    WantedPort,
    merge_listeners,
    normalise,
    parse_docker_ports,
    parse_proc_net_tcp,
    parse_ss,
    port_conflicts,
)

PROC = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18F6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 49267 1 0 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   2: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 112 1 0 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
"""


def test_proc_net_tcp_lists_listeners_only_in_v4_and_v6():
    assert parse_proc_net_tcp(PROC) == [
        Listener("127.0.0.1", 6390),
        Listener("0.0.0.0", 2024),
        Listener("::", 8080),
        Listener("::1", 3000),
    ]


def test_ss_names_pid_and_program():
    text = (
        'LISTEN 0 128 127.0.0.1:6390 0.0.0.0:* users:(("python3",pid=7678,fd=3))\n'
        "LISTEN 0 4096 [::]:8000 [::]:* \n"
        'LISTEN 0 511 *:3000 *:* users:(("node",pid=9,fd=20),("node",pid=10,fd=20))\n'
    )
    assert parse_ss(text) == [
        Listener("127.0.0.1", 6390, "pid 7678, python3"),
        Listener("::", 8000, ""),
        Listener("0.0.0.0", 3000, "pid 9, node, pid 10, node"),
    ]


def test_merge_keeps_procs_complete_list_with_ss_owners():
    proc = [Listener("127.0.0.1", 6390), Listener("0.0.0.0", 2024)]
    ss = [Listener("127.0.0.1", 6390, "pid 1, redis-server")]
    assert merge_listeners(proc, ss) == [Listener("127.0.0.1", 6390, "pid 1, redis-server"), Listener("0.0.0.0", 2024)]


def test_docker_ports_with_ranges_v6_and_udp_left_out():
    text = (
        "infra-redis-1|infra|redis|127.0.0.1:6379->6379/tcp\n"
        "other|||0.0.0.0:5000-5001->5000-5001/tcp, :::8000->8000/tcp, 0.0.0.0:53->53/udp\n"
        "quiet|||\n"
    )
    assert parse_docker_ports(text) == [
        Published("127.0.0.1", 6379, "infra-redis-1", "infra", "redis"),
        Published("0.0.0.0", 5000, "other"),
        Published("0.0.0.0", 5001, "other"),
        Published("::", 8000, "other"),
    ]


@pytest.mark.parametrize(("raw", "normal"), [("[::]", "::"), ("*", "0.0.0.0"), ("::ffff:127.0.0.1", "127.0.0.1"), ("fe80::1%eth0", "fe80::1")])
def test_addresses_have_one_spelling(raw, normal):
    assert normalise(raw) == normal


REDIS = WantedPort("ports.redis = 6390", "redis", "127.0.0.1", 6390)


def test_a_port_held_by_another_process_names_it():
    conflicts = port_conflicts([REDIS], [Listener("127.0.0.1", 6390, "pid 7, nc")], [], "infra")
    assert [c.message("box") for c in conflicts] == [
        "ports.redis = 6390: 127.0.0.1:6390 is in use on box by another process (pid 7, nc): choose another port or stop it"
    ]


def test_the_holder_unknown_is_said_so():
    [conflict] = port_conflicts([REDIS], [Listener("0.0.0.0", 6390)], [], "infra")
    assert conflict.holder == "another process (the target does not say which)"


def test_this_projects_own_container_for_the_service_is_no_conflict():
    docker_proxy = Listener("127.0.0.1", 6390, "pid 3, docker-proxy")
    own = Published("127.0.0.1", 6390, "infra-redis-1", "infra", "redis")
    assert port_conflicts([REDIS], [docker_proxy], [own], "infra") == []


def test_another_service_or_project_is_a_conflict_even_without_a_proxy_listener():
    web = Published("0.0.0.0", 6390, "infra-web-1", "infra", "web")
    other = Published("127.0.0.1", 6390, "x-redis-1", "x", "redis")
    assert [c.holder for c in port_conflicts([REDIS], [], [web], "infra")] == ["this project's web container (infra-web-1)"]
    assert [c.holder for c in port_conflicts([REDIS], [], [other], "infra")] == [
        "container x-redis-1 (compose project x, service redis)"
    ]


@pytest.mark.parametrize(
    ("held", "conflict"),
    [("127.0.0.1", True), ("0.0.0.0", True), ("::", True), ("127.0.0.2", False), ("::1", False)],
)
def test_which_binds_collide(held, conflict):
    assert bool(port_conflicts([REDIS], [Listener(held, 6390)], [], "infra")) is conflict


def test_a_wildcard_bind_collides_with_any_listener_of_the_port():
    public = WantedPort("ports.redis = 6390", "redis", "0.0.0.0", 6390)
    assert port_conflicts([public], [Listener("127.0.0.1", 6390)], [], "infra")
    assert not port_conflicts([public], [Listener("127.0.0.1", 6391)], [], "infra")
