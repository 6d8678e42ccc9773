"""compose.yaml's `cluster` profile (two shards of two replicas, ClickHouse Keeper) cannot run
here: the pinned server has no Keeper. What can be checked is: the profile's services, the
cluster definition they mount (deploy/clickhouse/cluster.xml) and the settings Sightline gets
agree with each other, and the Replicated DDL that those settings make is accepted by a real
server up to the point where it needs Keeper."""

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from clickhouse_driver import Client
from clickhouse_driver.errors import ServerException

from tools.clickhouse_server import HOST, ClickHouseServer
from warehouse.schema import create_events_distributed_table, create_events_table

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_XML = ROOT / "deploy" / "clickhouse" / "cluster.xml"
KEEPER_XML = ROOT / "deploy" / "clickhouse" / "keeper.xml"
NO_ZOOKEEPER = 225  # "Can't create replicated table without ZooKeeper"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _cluster() -> ET.Element:
    return ET.parse(CLUSTER_XML).getroot()


def _profile_servers() -> dict[str, dict]:
    services = _compose()["services"]
    return {
        name: service
        for name, service in services.items()
        if "cluster" in service.get("profiles", []) and name != "keeper"
    }


def test_the_cluster_xml_lists_exactly_the_profiles_servers_under_their_shards() -> None:
    (cluster,) = _cluster().find("remote_servers")
    assert cluster.tag == "sightline"
    listed = {}
    for number, shard in enumerate(cluster.findall("shard"), start=1):
        assert shard.findtext("internal_replication") == "true"  # Replicated tables copy rows
        for replica in shard.findall("replica"):
            assert replica.findtext("port") == "9000"
            assert replica.find("password").get("from_env") == "CLICKHOUSE_PASSWORD"
            listed[replica.findtext("host")] = f"{number:02d}"
    servers = _profile_servers()
    assert set(listed) == set(servers) and len(listed) == 4
    for name, service in servers.items():
        env = service["environment"]
        assert env["CLICKHOUSE_SHARD"] == listed[name]  # the {shard} macro: one Keeper path
        assert env["CLICKHOUSE_REPLICA"] == name
        mounts = service["volumes"]
        assert f"{CLUSTER_XML.relative_to(ROOT).as_posix()}" in " ".join(mounts)
        assert any(m.endswith(f"{name}-data:/var/lib/clickhouse") for m in mounts)


def test_keeper_is_the_profiles_keeper_service_and_macros_come_from_each_server() -> None:
    root = _cluster()
    assert root.findtext("zookeeper/node/host") == "keeper"
    keeper_port = ET.parse(KEEPER_XML).getroot().findtext("keeper_server/tcp_port")
    assert root.findtext("zookeeper/node/port") == keeper_port
    macros = {m.tag: m.get("from_env") for m in root.find("macros")}
    assert macros == {"shard": "CLICKHOUSE_SHARD", "replica": "CLICKHOUSE_REPLICA"}
    assert int(root.findtext("background_distributed_schedule_pool_size")) > 0
    keeper = _compose()["services"]["keeper"]
    assert keeper["profiles"] == ["cluster"]


def test_migrate_waits_for_every_cluster_server_when_the_profile_runs() -> None:
    depends = _compose()["services"]["migrate"]["depends_on"]
    for name in _profile_servers():
        assert depends[name] == {"condition": "service_healthy", "required": False}


def test_the_app_reaches_the_cluster_by_settings_only() -> None:
    env = _compose()["x-sightline"]["environment"]
    assert "@${CLICKHOUSE_HOST:-clickhouse}:9000/" in env["CLICKHOUSE_URL"]
    assert env["CLICKHOUSE_CLUSTER"] == "${CLICKHOUSE_CLUSTER:-}"
    assert env["CLICKHOUSE_REPLICATED"] == "${CLICKHOUSE_REPLICATED:-false}"


@pytest.mark.cluster
def test_the_profiles_replicated_ddl_is_accepted_up_to_needing_keeper(settings) -> None:
    """The server expands the table's {shard}/{replica}/{database} macros and checks the
    engine's arguments before it asks for Keeper: failing there, and only there, means the
    DDL is right for servers that have one. The Distributed table's DDL runs for real."""
    settings.CLICKHOUSE_CLUSTER, settings.CLICKHOUSE_REPLICATED = "sightline", True
    remote = (
        "<remote_servers><sightline><shard><replica><host>127.0.0.1</host><port>{port}</port>"
        "</replica></shard></sightline></remote_servers>"
    )
    macros = "<macros><shard>01</shard><replica>clickhouse-s1r1</replica></macros>"
    with tempfile.TemporaryDirectory() as data:
        server = ClickHouseServer(data_dir=data)
        server.config_extra = macros + remote.format(port=server.tcp_port)
        with server:
            client = Client(HOST, port=server.tcp_port)
            with pytest.raises(ServerException) as refused:
                client.execute(create_events_table())
            assert refused.value.code == NO_ZOOKEEPER, refused.value.message
            settings.CLICKHOUSE_REPLICATED = False  # the same shard without replicas
            client.execute(create_events_table())
            client.execute(create_events_distributed_table())
            engine = client.execute(
                "SELECT engine FROM system.tables WHERE database = 'default' AND name = 'events'"
            )
            assert engine == [("Distributed",)]
            client.disconnect()
