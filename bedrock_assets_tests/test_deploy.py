"""The deployment recipes in ``deploy/`` are checked, not just shipped.

Each ``dagster.yaml`` goes through Dagster's own instance-config validation and every
configurable class in it is imported and its config processed; the Helm values render the
same instance as ``deploy/k8s/dagster.yaml``; ``cfn-lint`` passes on the CloudFormation
template, whose policies are the ``iam/`` documents statement for statement and whose
guardrail is ``bedrock_assets/guardrail/policy.json``.
"""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._serdes.config_class import ConfigurableClassData

from bedrock_assets.guardrail.policy import guardrail_params, load_policy, policy_digest
from bedrock_assets.settings import known_variables

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "cloudformation" / "bedrock-assets.yaml"
IAM = ROOT / "iam"
INSTANCE_ENV = {
    "DAGSTER_PG_HOST": "db.example.internal",
    "DAGSTER_PG_DB": "dagster",
    "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "not-a-secret",
    "LEDGER_URL_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:ledger-AbCdEf",
    "DAGSTER_PG_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-Ab",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


@pytest.fixture
def instance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in INSTANCE_ENV.items():
        monkeypatch.setenv(key, value)


def _load_instance(folder: Path) -> dict[str, Any]:
    """Dagster's own loader: the file's shape against the instance schema (raises if wrong)."""
    config, _ = dagster_instance_config(str(folder))
    return dict(config)


def _process(data: ConfigurableClassData | None) -> dict[str, Any]:
    """Import the configurable class and process its config (env vars resolved) as Dagster
    does when it builds the instance; raises on an unknown key or a wrong type."""
    assert data is not None
    klass = getattr(importlib.import_module(data.module_name), data.class_name)
    result = process_config(resolve_to_config_type(klass.config_type()), data.config_dict)
    assert result.success, [e.message for e in result.errors or []]
    return dict(result.value or {})


def _section(section: dict[str, Any]) -> dict[str, Any]:
    return _process(
        ConfigurableClassData(
            section["module"], section["class"], yaml.safe_dump(section["config"])
        )
    )


# -- the two instances -------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["ecs", "k8s"])
def test_instance_config_loads_with_postgres_queue_and_monitoring(
    target: str, instance_env: None
) -> None:
    ref = InstanceRef.from_dir(str(DEPLOY / target))
    for data in (ref.storage_data, ref.run_storage_data, ref.event_storage_data):
        assert data is not None and data.module_name == "dagster_postgres"
        assert _process(data)["postgres_db"]["password"] == "not-a-secret"
    assert ref.run_coordinator_data is not None
    assert ref.run_coordinator_data.class_name == "QueuedRunCoordinator"
    assert _process(ref.run_coordinator_data)["max_concurrent_runs"] >= 1
    assert ref.settings["run_monitoring"]["enabled"] is True
    assert ref.settings["run_monitoring"]["start_timeout_seconds"] > 0
    launcher_data = ref.run_launcher_data
    assert launcher_data is not None
    expected = {
        "ecs": ("dagster_aws.ecs", "EcsRunLauncher"),
        "k8s": ("dagster_k8s", "K8sRunLauncher"),
    }
    assert (launcher_data.module_name, launcher_data.class_name) == expected[target]
    launcher = _process(launcher_data)
    if target == "ecs":
        assert launcher["use_current_ecs_task_config"] is True
        assert {s["name"] for s in launcher["secrets"]} == {
            "BEDROCK_ASSETS_LEDGER_URL",
            "DAGSTER_PG_PASSWORD",
        }
        assert "BEDROCK_ASSETS_BACKEND=aws" in launcher["env_vars"]
    else:
        assert launcher["env_secrets"] == ["bedrock-assets-secrets"]


def test_ecs_run_launcher_is_constructed_from_the_file(instance_env: None) -> None:
    """The whole class, not only its schema: EcsRunLauncher builds its clients from the file."""
    data = InstanceRef.from_dir(str(DEPLOY / "ecs")).run_launcher_data
    assert data is not None
    launcher = data.rehydrate()
    assert launcher._task_definition_prefix == "bedrockassets"  # type: ignore[attr-defined]


def test_a_broken_instance_file_is_refused(tmp_path: Path, instance_env: None) -> None:
    """The check above can fail: a misspelt key or a wrong type is an error, not ignored."""
    good = yaml.safe_load((DEPLOY / "ecs" / "dagster.yaml").read_text())
    bad = {**good, "run_monitoring": {"enabled": True, "start_timeout_secs": 300}}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(bad))
    from dagster._core.errors import DagsterInvalidConfigError

    with pytest.raises(DagsterInvalidConfigError):
        _load_instance(tmp_path)
    launcher = {**good["run_launcher"], "config": {**good["run_launcher"]["config"], "cpu": 1}}
    with pytest.raises(AssertionError):
        _section(launcher)


# -- Helm --------------------------------------------------------------------------------------
def _values() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "k8s" / "values.yaml").read_text())


def _render_instance(values: dict[str, Any]) -> dict[str, Any]:
    """The instance the chart's configmap-instance.yaml renders, for the keys these values set."""
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    monitoring = daemon["runMonitoring"]
    pg = values["postgresql"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert daemon["runCoordinator"]["type"] == "QueuedRunCoordinator"
    return {
        "storage": {
            "postgres": {
                "postgres_db": {
                    "hostname": pg["postgresqlHost"],
                    "port": pg["service"]["port"],
                    "db_name": pg["postgresqlDatabase"],
                    "username": pg["postgresqlUsername"],
                    "password": {"env": "DAGSTER_PG_PASSWORD"},
                    "params": pg["postgresqlParams"],
                }
            }
        },
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": {
                "load_incluster_config": k8s["loadInclusterConfig"],
                "job_namespace": k8s["jobNamespace"],
                "image_pull_policy": k8s["imagePullPolicy"],
                "service_account_name": values["global"]["serviceAccountName"],
                "dagster_home": values["global"]["dagsterHome"],
                "instance_config_map": "dagster-instance",
                "postgres_password_secret": values["global"]["postgresqlSecretName"],
                "env_config_maps": [c["name"] for c in k8s["envConfigMaps"]],
                "env_secrets": [s["name"] for s in k8s["envSecrets"]],
                "resources": k8s["resources"],
            },
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {
                "max_concurrent_runs": queued["maxConcurrentRuns"],
                "tag_concurrency_limits": queued["tagConcurrencyLimits"],
            },
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "poll_interval_seconds": monitoring["pollIntervalSeconds"],
            "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
        },
        "run_retries": {
            "enabled": daemon["runRetries"]["enabled"],
            "max_retries": daemon["runRetries"]["maxRetries"],
        },
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }


def test_helm_values_render_the_kubernetes_instance(tmp_path: Path, instance_env: None) -> None:
    rendered = _render_instance(_values())
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(rendered))
    loaded = _load_instance(tmp_path)
    _section(loaded["run_launcher"])
    _section(loaded["run_coordinator"])
    recipe = yaml.safe_load((DEPLOY / "k8s" / "dagster.yaml").read_text())
    for key in ("run_launcher", "run_coordinator", "run_monitoring", "run_retries", "telemetry"):
        assert rendered[key] == recipe[key], key
    assert rendered["storage"]["postgres"]["postgres_db"]["params"] == {"sslmode": "require"}


def test_helm_code_location_runs_the_image_and_module() -> None:
    values = _values()
    assert values["postgresql"]["enabled"] is False and values["postgresql"]["postgresqlHost"]
    assert values["generatePostgresqlPasswordSecret"] is False
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    module = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    assert deployment["codeServerArgs"] == ["-m", module]
    assert deployment["port"] == int(_dockerfile_value("EXPOSE"))
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    assert {"name": "BEDROCK_ASSETS_BACKEND", "value": "aws"} in deployment["env"]
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert deployment["envSecrets"] == k8s["envSecrets"] == [{"name": "bedrock-assets-secrets"}]
    assert set(deployment["image"]) == {"repository", "tag", "pullPolicy"}
    assert values["serviceAccount"]["name"] == values["global"]["serviceAccountName"]


# -- the image ---------------------------------------------------------------------------------
def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def _dockerfile_value(instruction: str) -> str:
    lines = [ln for ln in _dockerfile().splitlines() if ln.startswith(instruction + " ")]
    assert lines, instruction
    return lines[-1].split(" ", 1)[1].strip()


def test_dockerfile_installs_the_project_and_serves_the_code_location() -> None:
    assert _dockerfile_value("FROM") == "python:3.11-slim"
    cmd = json.loads(_dockerfile_value("CMD"))
    module = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    assert cmd[:3] == ["dagster", "code-server", "start"] and cmd[cmd.index("-m") + 1] == module
    assert cmd[cmd.index("-p") + 1] == _dockerfile_value("EXPOSE")
    assert _dockerfile_value("USER") not in ("root", "0")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert 'pip install ".[deploy]"' in _dockerfile()
    assert {re.split("[<>=]", d)[0] for d in extras["deploy"]} == {
        "dagster-postgres",
        "dagster-k8s",
        "psycopg[binary]",  # the ledger's driver (postgresql+psycopg://)
    }
    for line in _dockerfile().splitlines():
        if line.startswith("COPY "):
            source = line.split()[1].replace("${INSTANCE}", "ecs")
            assert (ROOT / source).exists(), source
    assert (DEPLOY / "k8s" / "dagster.yaml").exists()  # --build-arg INSTANCE=k8s


def test_every_variable_the_recipes_set_is_a_setting() -> None:
    text = "\n".join(
        p.read_text() for p in [*DEPLOY.rglob("*.yaml"), DEPLOY / "Dockerfile"] if p.is_file()
    )
    named = set(re.findall(r"\bBEDROCK_ASSETS_[A-Z_]+\b", text))
    assert {"BEDROCK_ASSETS_BACKEND", "BEDROCK_ASSETS_LEDGER_URL"} <= named
    assert named - known_variables() == set()


# -- CloudFormation ----------------------------------------------------------------------------
def _template() -> dict[str, Any]:
    from cfnlint.decode.cfn_yaml import load

    return load(str(TEMPLATE))


@pytest.mark.slow
def test_cfn_lint_is_clean() -> None:
    from cfnlint.api import lint

    matches = lint(TEMPLATE.read_text(), regions=["us-east-1", "us-west-2", "eu-west-1"])
    assert [str(m) for m in matches] == []


@pytest.mark.slow
def test_cfn_lint_would_catch_a_broken_template() -> None:
    from cfnlint.api import lint

    broken = TEMPLATE.read_text().replace("Type: AWS::SQS::QueuePolicy", "Type: AWS::SQS::QPolicy")
    assert lint(broken, regions=["us-east-1"])


# What each of the template's references stands for in the iam/ documents.
_GETATT = {
    "DataBucket.Arn": "arn:aws:s3:::${BUCKET}",
    "BatchServiceRole.Arn": "arn:aws:iam::${ACCOUNT_ID}:role/${SERVICE_ROLE_NAME}",
    "RuntimeRole.Arn": "arn:aws:iam::${ACCOUNT_ID}:role/${RUNTIME_ROLE_NAME}",
    "Guardrail.GuardrailArn": "arn:aws:bedrock:${REGION}:${ACCOUNT_ID}:guardrail/${GUARDRAIL_ID}",
    "JobEventsQueue.Arn": "arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${EVENTS_QUEUE_NAME}",
}
_PSEUDO = {
    "${AWS::Partition}": "aws",
    "${AWS::Region}": "${REGION}",
    "${AWS::AccountId}": "${ACCOUNT_ID}",
    **{f"${{{k}}}": v for k, v in _GETATT.items()},
}


def _plain(value: Any) -> Any:
    """A template value in the iam/ documents' terms (placeholders for references)."""
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Fn::GetAtt":
            return _GETATT[".".join(arg)]
        if fn == "Fn::Sub":
            for ref, plain in _PSEUDO.items():
                arg = arg.replace(ref, plain)
            assert "${" not in arg.replace("${BUCKET}", "").replace("${REGION}", "").replace(
                "${ACCOUNT_ID}", ""
            ), arg
            return arg
        if fn == "Ref":
            return {"AWS::AccountId": "${ACCOUNT_ID}", "AWS::Region": "${REGION}"}[arg]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _as_set(value: Any) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


def _statements(doc_statements: list[Any]) -> dict[str, dict[str, Any]]:
    """Statements by Sid, Action and Resource as sets; conditional ones (KMS) left out."""
    out = {}
    for s in doc_statements:
        if "Fn::If" in s:
            continue
        s = _plain(dict(s))
        out[s["Sid"]] = {
            **s,
            "Action": _as_set(s["Action"]),
            **({"Resource": _as_set(s["Resource"])} if "Resource" in s else {}),
        }
    return out


def _iam(name: str) -> dict[str, dict[str, Any]]:
    return _statements(json.loads((IAM / name).read_text())["Statement"])


@pytest.mark.parametrize(
    ("resource", "document"),
    [
        ("RuntimePolicy", "dagster-runtime-policy.json"),
        ("BatchServicePolicy", "batch-service-role-policy.json"),
        ("BatchServiceRole", "batch-service-role-trust-policy.json"),
    ],
)
def test_template_policies_are_the_iam_documents(resource: str, document: str) -> None:
    props = _template()["Resources"][resource]["Properties"]
    doc = props.get("PolicyDocument") or props["AssumeRolePolicyDocument"]
    assert _statements(doc["Statement"]) == _iam(document)


def test_the_only_extra_statements_are_the_bucket_key_when_kms_is_chosen() -> None:
    resources = _template()["Resources"]
    for name in ("RuntimePolicy", "BatchServicePolicy"):
        extra = [
            s for s in resources[name]["Properties"]["PolicyDocument"]["Statement"] if "Fn::If" in s
        ]
        ((condition, statement, otherwise),) = [s["Fn::If"] for s in extra]
        assert condition == "UseKms" and otherwise == {"Ref": "AWS::NoValue"}
        assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
        assert statement["Resource"] == {"Ref": "KmsKeyArn"}


def test_runtime_role_is_assumable_only_by_this_accounts_tasks_and_pods() -> None:
    trust = _template()["Resources"]["RuntimeRole"]["Properties"]["AssumeRolePolicyDocument"]
    services = set()
    for s in trust["Statement"]:
        services.add(s["Principal"]["Service"])
        assert s["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert "aws:SourceArn" in s["Condition"]["ArnLike"]
    assert services == {"ecs-tasks.amazonaws.com", "pods.eks.amazonaws.com"}


def test_bucket_is_private_encrypted_and_tls_only() -> None:
    resources = _template()["Resources"]
    bucket = resources["DataBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    _, kms, s3 = rule["ServerSideEncryptionByDefault"]["Fn::If"]
    assert kms["SSEAlgorithm"] == "aws:kms" and s3["SSEAlgorithm"] == "AES256"
    statements = resources["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    tls = next(s for s in statements if s["Sid"] == "DenyInsecureTransport")
    assert tls["Effect"] == "Deny" and tls["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    prefixes = {
        p.split("/")[0]
        for p in _iam("dagster-runtime-policy.json")["ListPipelinePrefixes"]["Condition"][
            "StringLike"
        ]["s3:prefix"]
    }
    assert prefixes == {"landing", "batch-input", "batch-output", "tables"}


def test_job_state_changes_reach_the_queue_and_only_from_the_rule() -> None:
    resources = _template()["Resources"]
    rule = resources["JobStateChangeRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.bedrock"],
        "detail-type": ["Batch Inference Job State Change"],
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["JobEventsQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["JobEventsDeadLetterQueue", "Arn"]}
    queue = resources["JobEventsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == target["DeadLetterConfig"]["Arn"]
    send = resources["JobEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert send["Principal"] == {"Service": "events.amazonaws.com"}
    assert send["Action"] == "sqs:SendMessage"
    assert send["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": ["JobStateChangeRule", "Arn"]
    }


def _pascal(value: Any) -> Any:
    """CreateGuardrail's camelCase parameters as CloudFormation's PascalCase properties."""
    if isinstance(value, dict):
        return {k[0].upper() + k[1:]: _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def test_template_guardrail_is_the_policy_file() -> None:
    resources = _template()["Resources"]
    props = dict(resources["Guardrail"]["Properties"])
    props.pop("Tags")
    policy = load_policy()
    assert json.loads(json.dumps(props)) == _pascal(guardrail_params(policy))
    # A changed policy publishes a new version: the version's description carries its digest.
    description = resources["GuardrailVersion"]["Properties"]["Description"]
    assert description == f"bedrock_assets policy {policy_digest(policy)}"


def test_outputs_hand_the_pipeline_its_settings() -> None:
    outputs = _template()["Outputs"]
    assert {
        "BucketName",
        "RuntimeRoleArn",
        "BatchServiceRoleArn",
        "JobEventsQueueUrl",
        "GuardrailId",
        "GuardrailVersion",
    } <= set(outputs)
    words = outputs["PipelineEnvironment"]["Value"]["Fn::Join"][1]
    names = {(w if isinstance(w, str) else w["Fn::Sub"]).split("=")[0] for w in words}
    assert names - known_variables() == {"AWS_REGION"}
