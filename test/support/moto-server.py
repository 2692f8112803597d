"""moto's server plus the CloudFormation behaviours of AWS that moto 5.2 lacks and `up`/`down` rely on.

1. UpdateTerminationProtection: moto stores EnableTerminationProtection from CreateStack but answers this call
   with HTTP 500; the CDK toolkit turns protection on with it
   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateTerminationProtection.html).
2. DeleteStack on a protected stack is refused, as on AWS; moto deletes it.
3. An AWS::SSM::Parameter without a Name gets a generated one, as on AWS; moto crashes (HTTP 500) and leaves the
   stack half-created. aws-eks-v2 adds such a parameter to every cluster.
4. A Ref to an AWS::RDS::DBParameterGroup yields the group's name, as on AWS; moto passes its internal object and
   answers HTTP 500 for any DBInstance that uses it.
5. AWS::EKS::Cluster, AWS::EKS::Nodegroup and AWS::SecretsManager::Secret (and its target attachment) are created
   through moto's own EKS and Secrets Manager backends. moto skips these types in CloudFormation, so every resource that reads a cluster
   attribute fails ("Fn::GetAtt references undefined resource") and nothing after it is created. With them, a
   stack creates as far as moto models AWS, and the tool's later SDK calls (DescribeCluster, the node group,
   the database secret) find what the stack made. Add-ons, Pod Identity associations, access entries and bucket
   policies stay skipped: moto has no model for them and nothing reads their attributes.
6. A tagged AWS::KMS::Key is created with its tags; moto hands CloudFormation's {Key, Value} tags to KMS, which
   expects {TagKey, TagValue}, and fails. Its KeyPolicy (a JSON object in the template) is stored as the policy
   document, as on AWS; moto stores the object and DescribeKey then fails with HTTP 500.
7. ExecuteChangeSet behaves like AWS: the stack's outputs are those of the new template (moto keeps the old, empty
   ones), and a resource that fails to create fails the stack with the reason in a resource event and ends in
   ROLLBACK_COMPLETE (UPDATE_ROLLBACK_COMPLETE for an update), the event naming the resource; moto answers the
   API call with the error instead and leaves the stack in progress for ever. A failed create rolls back: the
   resources made so far are deleted as far as moto can (it cannot delete a VPC with a NAT gateway; resources with
   DeletionPolicy Retain stay, as on AWS), and deleting the rolled-back stack later has nothing left to delete.
8. DeleteChangeSet of a change set that does not exist succeeds, and DescribeChangeSet of one answers
   ChangeSetNotFound, as on AWS: the CDK toolkit deletes its old change set before each update and waits for that
   error. moto crashes (HTTP 500) on the first and answers ValidationError to the second.
9. A TemplateURL on the emulator's own loopback address is read from moto's S3, as one on "localhost" already is.
10. An AWS::RDS::DBInstance keeps its DeletionProtection property, as on AWS; moto drops it, so a protected
    database could be deleted. `down` must lift it (ModifyDBInstance) before deleting the stack.
11. Deleting a stack whose database is still protected fails as on AWS: DeleteStack succeeds, the stack ends in
    DELETE_FAILED with the instance's DELETE_FAILED event and RDS's reason; moto raises and forgets the stack.
12. A DBInstance with DeletionPolicy Snapshot leaves a manual final snapshot with a CloudFormation-generated name
    (<stack>-snapshot-<logicalid>-<suffix>), as on AWS; moto deletes it without one. Other resources moto fails to
    delete (its own gaps, e.g. a VPC with a NAT gateway) are forgotten by the stack, as AWS would have deleted them.
    The rollback of a failed create (7) removes the instance without a snapshot, as this server did before 10–12.
13. EKS access entries (Create/Describe/List/DeleteAccessEntry, Associate/Disassociate/ListAssociatedAccessPolicies)
    answer as EKS does, kept per cluster; moto has no model for them and answers 404. `up` makes the caller cluster
    admin through them, and the test's token webhook (test/support/eks-authenticator.ts) reads them to decide who
    a bearer token's principal is allowed to be.
14. With AIRFLOW_AWS_MOTO_EKS_ENDPOINT (and AIRFLOW_AWS_MOTO_EKS_CA_DATA, base64 PEM) set, every EKS cluster reports
    that endpoint and CA, as a real cluster reports its own: the EKS path of the tool (endpoint and CA from the stack,
    in-process token) then reaches the test's real kube-apiserver. moto makes up an unreachable hostname and
    random CA data.
15. GetCallerIdentity for credentials moto did not issue (the tests' "testing" key) names an IAM user,
    arn:aws:iam::<account>:user/moto, as AWS names users; moto answers arn:aws:sts::<account>:user/moto, which is
    no ARN AWS returns and which `up`'s access step rightly refuses to map to an access entry.
16. CancelUpdateStack (moto has no such call): a stack in UPDATE_IN_PROGRESS rolls back to its last template, with
    the events AWS writes (UPDATE_ROLLBACK_IN_PROGRESS "Resource update cancelled", then UPDATE_ROLLBACK_COMPLETE);
    in any other status it answers ValidationError, as AWS does for a create or a finished update
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html).
17. Test switch, off unless MOTO_HOLD_UPDATES=1 is in the server's environment: ExecuteChangeSet of an update leaves
    the stack in UPDATE_IN_PROGRESS without applying it, as a long update on AWS stays there for minutes (moto
    applies every change set at once). It stays so until CancelUpdateStack (16). For the Ctrl-C tests of `up`.
Everything else is moto unchanged. Usage: python3 moto-server.py -H 127.0.0.1 -p PORT
"""
import json
import os
import sys

from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.eks.models import eks_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.kms.models import Key as KmsKey
from moto.rds.models import DBInstance, DBParameterGroup, rds_backends
from moto.cloudformation.utils import random_suffix
from moto.server import main
import moto.eks.urls as eks_urls
from moto.eks.models import Cluster as EksCluster
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sts.models import STSBackend as StsBackend
import re
from moto.core.exceptions import JsonRESTError
from urllib.parse import unquote
import datetime
import os
from moto.ssm.models import Parameter


def update_termination_protection(self):
    name = self._get_param("StackName")
    enabled = str(self._get_param("EnableTerminationProtection")).lower() == "true"
    stack = self.cloudformation_backend.get_stack(name)
    stack.enable_termination_protection = enabled
    return ActionResult({"StackId": stack.stack_id})


_moto_delete_stack = CloudFormationResponse.delete_stack


def delete_stack(self):
    name = self._get_param("StackName")
    stacks = self.cloudformation_backend.describe_stacks(name) if name else []
    if stacks and stacks[0].enable_termination_protection:
        raise ValidationError(
            name,
            message=f"Stack [{name}] cannot be deleted while TerminationProtection is enabled",
        )
    return _moto_delete_stack(self)


_moto_create_parameter = Parameter.create_from_cloudformation_json.__func__


def create_parameter(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    cloudformation_json["Properties"].setdefault("Name", resource_name)
    return _moto_create_parameter(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


Parameter.create_from_cloudformation_json = classmethod(create_parameter)
DBParameterGroup.physical_resource_id = property(lambda group: group.name)

_moto_create_key = KmsKey.create_from_cloudformation_json.__func__


def create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json["Properties"]
    props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
    if isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
    return _moto_create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


KmsKey.create_from_cloudformation_json = classmethod(create_key)

_moto_parse_and_create_resource = parsing.parse_and_create_resource


def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
    """Remembers which resource failed, for the CREATE_FAILED event below."""
    try:
        return _moto_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
    except Exception as error:
        if not hasattr(error, "logical_id"):
            error.logical_id = logical_id
            error.resource_type = resource_json.get("Type", "")
        raise


parsing.parse_and_create_resource = parse_and_create_resource

_moto_get_stack_from_s3_url = cfn_responses.get_stack_from_s3_url


def get_stack_from_s3_url(template_url, account_id, partition):
    return _moto_get_stack_from_s3_url(template_url.replace("://127.0.0.1:", "://localhost:"), account_id, partition)


cfn_responses.get_stack_from_s3_url = get_stack_from_s3_url
CloudFormationResponse.update_termination_protection = update_termination_protection
CloudFormationResponse.delete_stack = delete_stack

def _tags(properties):
    tags = properties.get("Tags", [])
    # AWS::EKS::Cluster takes a list of {Key, Value}; AWS::EKS::Nodegroup a plain map.
    return dict(tags) if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}


class _NeverUpdated:
    """Common part of the models below: they are never updated in place (each has its own delete)."""

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        return None


class EksClusterResource(_NeverUpdated, CloudFormationModel):  # moto finds direct subclasses only
    __module__ = "moto.eks.shim"  # moto's model metaclass files a model under the service its module names
    ATTRIBUTES = ("Arn", "Endpoint", "CertificateAuthorityData", "ClusterSecurityGroupId")

    def __init__(self, cluster, security_group_id):
        self.cluster = cluster
        self.security_group_id = security_group_id

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Cluster"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        vpc = props.get("ResourcesVpcConfig", {})
        cluster = eks_backends[account_id][region_name].create_cluster(
            name=resource_name,
            role_arn=props["RoleArn"],
            resources_vpc_config={
                "subnetIds": vpc.get("SubnetIds", []),
                "securityGroupIds": vpc.get("SecurityGroupIds", []),
                "endpointPublicAccess": vpc.get("EndpointPublicAccess", True),
                "endpointPrivateAccess": vpc.get("EndpointPrivateAccess", False),
            },
            version=props.get("Version"),
            tags=_tags(props),
        )
        # EKS makes a security group for the cluster in its VPC; other resources (the database's ingress rule) use it.
        ec2 = ec2_backends[account_id][region_name]
        subnet_ids = vpc.get("SubnetIds", [])
        vpc_id = ec2.get_subnet(subnet_ids[0]).vpc_id if subnet_ids else None
        group = ec2.create_security_group(name=f"eks-cluster-sg-{resource_name}", description="EKS created security group", vpc_id=vpc_id)
        return cls(cluster, group.id)

    @property
    def physical_resource_id(self):
        return self.cluster.name

    def delete(self, account_id, region_name):
        eks = eks_backends[account_id][region_name]
        for nodegroup in list(self.cluster.nodegroups):
            eks.delete_nodegroup(self.cluster.name, nodegroup)
        eks.delete_cluster(self.cluster.name)
        # The security group EKS made goes with the cluster, or the VPC could never be deleted.
        ec2_backends[account_id][region_name].delete_security_group(group_id=self.security_group_id)

    def get_cfn_attribute(self, attribute_name):
        return {
            "Arn": self.cluster.arn,
            "Endpoint": self.cluster.endpoint,
            "CertificateAuthorityData": self.cluster.certificate_authority["data"],
            "ClusterSecurityGroupId": self.security_group_id,
        }[attribute_name]


class EksNodegroupResource(_NeverUpdated, CloudFormationModel):  # moto finds direct subclasses only
    __module__ = "moto.eks.shim"
    ATTRIBUTES = ("Arn", "ClusterName", "NodegroupName")

    def __init__(self, nodegroup):
        self.nodegroup = nodegroup

    @staticmethod
    def cloudformation_name_type():
        return "NodegroupName"

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Nodegroup"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        scaling = props.get("ScalingConfig", {})
        nodegroup = eks_backends[account_id][region_name].create_nodegroup(
            cluster_name=props["ClusterName"],
            node_role=props["NodeRole"],
            nodegroup_name=resource_name,
            subnets=props.get("Subnets", []),
            # Explicit, never moto's shared default dict (see testbed.md).
            scaling_config={"minSize": scaling.get("MinSize", 1), "maxSize": scaling.get("MaxSize", 2), "desiredSize": scaling.get("DesiredSize", 1)},
            disk_size=props.get("DiskSize"),
            instance_types=props.get("InstanceTypes"),
            ami_type=props.get("AmiType"),
            capacity_type=props.get("CapacityType"),
            labels=props.get("Labels"),
            tags=_tags(props),
        )
        return cls(nodegroup)

    @property
    def physical_resource_id(self):
        return f"{self.nodegroup.cluster_name}/{self.nodegroup.nodegroup_name}"

    def delete(self, account_id, region_name):
        eks = eks_backends[account_id][region_name]
        if self.nodegroup.nodegroup_name in eks.clusters.get(self.nodegroup.cluster_name, _NoNodegroups()).nodegroups:
            eks.delete_nodegroup(self.nodegroup.cluster_name, self.nodegroup.nodegroup_name)

    def get_cfn_attribute(self, attribute_name):
        return {"Arn": self.nodegroup.arn, "ClusterName": self.nodegroup.cluster_name, "NodegroupName": self.nodegroup.nodegroup_name}[attribute_name]


class SecretResource(_NeverUpdated, CloudFormationModel):  # moto finds direct subclasses only
    __module__ = "moto.secretsmanager.shim"
    ATTRIBUTES = ("Id",)

    def __init__(self, arn):
        self.arn = arn

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate is not None:
            generated = backend.get_random_password(
                password_length=generate.get("PasswordLength", 32),
                exclude_characters=generate.get("ExcludeCharacters", ""),
                exclude_numbers=False,
                exclude_punctuation=False,
                exclude_uppercase=False,
                exclude_lowercase=False,
                include_space=False,
                require_each_included_type=True,
            )
            password = json.loads(generated)["RandomPassword"]
            template = json.loads(generate.get("SecretStringTemplate", "{}"))
            template[generate.get("GenerateStringKey", "password")] = password
            value = json.dumps(template)
        created = backend.create_secret(
            name=resource_name,
            secret_string=value,
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"])

    @property
    def physical_resource_id(self):
        return self.arn

    def get_cfn_attribute(self, attribute_name):
        return self.arn

    def delete(self, account_id, region_name):
        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=self.arn, recovery_window_in_days=None, force_delete_without_recovery=True
        )


class SecretTargetAttachmentResource(_NeverUpdated, CloudFormationModel):  # moto finds direct subclasses only
    """Its Ref is the secret's ARN, as on AWS (the stack's DatabaseSecretArn output reads it)."""

    __module__ = "moto.secretsmanager.shim"
    ATTRIBUTES = ()

    def __init__(self, secret_id):
        self.secret_id = secret_id

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(cloudformation_json["Properties"]["SecretId"])

    @property
    def physical_resource_id(self):
        return self.secret_id

    def delete(self, account_id, region_name):
        return None


class _NoNodegroups:
    nodegroups = {}


def apply_change_set(self):
    self.stack.resource_map.update(self.template_dict, self.parameters)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


_moto_execute_change_set = CloudFormationBackend.execute_change_set


HOLD_UPDATES = os.environ.get("MOTO_HOLD_UPDATES") == "1"


def execute_change_set(self, change_set_name, stack_name=None):
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    if HOLD_UPDATES and change_set is not None and change_set.change_set_type == "UPDATE":  # see 14
        stack = self.stacks[change_set.stack_id]
        stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = "UPDATE_IN_PROGRESS"
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        return None
    try:
        return _moto_execute_change_set(self, change_set_name, stack_name)
    except Exception as error:  # moto raises whatever the failing resource's backend raised
        if change_set is None:
            raise
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type
        failed = "CREATE_FAILED" if kind == "CREATE" else "UPDATE_FAILED"
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=getattr(error, "logical_id", "") or "(a resource)",
                physical_resource_id="",
                resource_type=getattr(error, "resource_type", ""),
                resource_status=failed,
                resource_status_reason=f"{type(error).__name__}: {error}",
                resource_properties=None,
            )
        )
        if kind == "CREATE":
            # The rollback of a failed create leaves no database and no snapshot behind (see 10 and 12).
            stack.resource_map._rolling_back = True
            for r in stack.resource_map._parsed_resources.values():
                if isinstance(r, DBInstance):
                    r.deletion_protection = False
            try:
                stack.resource_map.delete()
            except Exception:  # moto's own deletion gaps; the stack forgets these resources as AWS would
                pass
            # moto creates resources lazily on any read (outputs, DescribeStackResources); a rolled-back stack has none.
            stack.resource_map._resource_json_map = {}
            stack.output_map = parsing.OutputMap(stack.resource_map, {}, stack.stack_id)
            stack.rolled_back = True
        final = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event(final.replace("COMPLETE", "IN_PROGRESS"), resource_status_reason="The following resource(s) failed")
        stack._add_stack_event(final)
        stack.status = final
        change_set.execution_status = "EXECUTE_FAILED"


def cancel_update_stack(self):  # see 13
    name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(name)
    if stack.status != "UPDATE_IN_PROGRESS":
        raise ValidationError(name, message=f"CancelUpdateStack cannot be called from current stack status {stack.status}")
    # The held change set was never applied: the stack's template and resources are still the last good ones.
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason="Resource update cancelled")
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    return EmptyResult()


_moto_stack_delete = Stack.delete


def delete_rolled_back_stack(self):
    if not getattr(self, "rolled_back", False):
        return _moto_stack_delete(self)
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


_moto_delete_change_set = CloudFormationBackend.delete_change_set


def delete_change_set(self, change_set_name):
    known = change_set_name in self.change_sets or any(c.change_set_name == change_set_name for c in self.change_sets.values())
    if known:
        _moto_delete_change_set(self, change_set_name)


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"


_moto_describe_change_set = CloudFormationBackend.describe_change_set


def describe_change_set(self, change_set_name):
    known = change_set_name in self.change_sets or any(c.change_set_name == change_set_name for c in self.change_sets.values())
    if not known:
        raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
    return _moto_describe_change_set(self, change_set_name)


_moto_db_from_cfn = DBInstance.create_from_cloudformation_json.__func__


def create_db_instance(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    db = _moto_db_from_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    db.deletion_protection = str(cloudformation_json["Properties"].get("DeletionProtection", False)).lower() == "true"
    return db


DBInstance.create_from_cloudformation_json = classmethod(create_db_instance)

PROTECTED_DB_REASON = "Cannot delete protected DB Instance, please disable deletion protection and try again."


def _find_stack(backend, name_or_id):
    return backend.stacks.get(name_or_id) or next((s for s in backend.stacks.values() if s.name == name_or_id), None)


_moto_backend_delete_stack = CloudFormationBackend.delete_stack


def backend_delete_stack(self, name_or_stack_id):
    stack = _find_stack(self, name_or_stack_id)
    protected = []
    if stack is not None and not getattr(stack, "rolled_back", False):
        protected = [
            (logical_id, r)
            for logical_id, r in stack.resource_map._parsed_resources.items()
            if isinstance(r, DBInstance) and r.deletion_protection
        ]
    if not protected:
        return _moto_backend_delete_stack(self, name_or_stack_id)
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    for logical_id, db in protected:
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=logical_id,
                physical_resource_id=db.db_instance_identifier,
                resource_type="AWS::RDS::DBInstance",
                resource_status="DELETE_FAILED",
                resource_status_reason=PROTECTED_DB_REASON,
                resource_properties=None,
            )
        )
    stack._add_stack_event(
        "DELETE_FAILED", resource_status_reason=f"The following resource(s) failed to delete: [{', '.join(l for l, _ in protected)}]."
    )
    stack.status = "DELETE_FAILED"


_moto_delete_resource = parsing.ResourceMap._delete_resource


def delete_resource(self, parsed_resource, resource_json):
    rolling_back = getattr(self, "_rolling_back", False)
    if isinstance(parsed_resource, DBInstance) and resource_json.get("DeletionPolicy") == "Snapshot" and not rolling_back:
        stack_name = self._parsed_resources.get("AWS::StackName", "stack")
        snapshot_id = f"{stack_name}-snapshot-{parsed_resource.logical_resource_id}-{random_suffix()}".lower()[:255]
        rds_backends[self._account_id][self._region_name].delete_db_instance(
            parsed_resource.db_instance_identifier, final_db_snapshot_identifier=snapshot_id
        )
        return
    return _moto_delete_resource(self, parsed_resource, resource_json)


def delete_stack_resources(self):
    if getattr(self, "rolled_back", False):
        return delete_rolled_back_stack(self)
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    try:
        self.resource_map.delete()
    except Exception:  # moto's own deletion gaps (see 12)
        pass
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


parsing.ResourceMap._delete_resource = delete_resource
CloudFormationBackend.delete_stack = backend_delete_stack
ChangeSet.apply = apply_change_set
CloudFormationBackend.describe_change_set = describe_change_set
CloudFormationBackend.delete_change_set = delete_change_set
Stack.delete = delete_stack_resources
CloudFormationBackend.execute_change_set = execute_change_set
CloudFormationResponse.cancel_update_stack = cancel_update_stack

# ---- 13: EKS access entries ----

class EksNotFound(JsonRESTError):
    code = 404

    def __init__(self, message):
        super().__init__("ResourceNotFoundException", message)


class EksInUse(JsonRESTError):
    code = 409

    def __init__(self, message):
        super().__init__("ResourceInUseException", message)


def _access_entries(cluster):
    if not hasattr(cluster, "_access_entries"):
        cluster._access_entries = {}
    return cluster._access_entries


def _now():
    return datetime.datetime.now(datetime.timezone.utc).timestamp()


def access_entries_handler(request, full_url, headers):
    """/clusters/{name}/access-entries[/{principalArn}[/access-policies[/{policyArn}]]], labels percent-encoded."""
    # Region from the SigV4 credential scope (moto's own URL-based guess trips over the ARN in the path).
    scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", headers.get("Authorization", ""))
    region = scope.group(1) if scope else "us-east-1"
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    parts = raw.split("?", 1)[0].split("/")
    # ['', 'clusters', name, 'access-entries', principal?, 'access-policies'?, policy?]
    name, rest = unquote(parts[2]), [unquote(x) for x in parts[4:]]
    eks = eks_backends[DEFAULT_ACCOUNT_ID][region]
    try:
        cluster = eks.clusters.get(name)
        if cluster is None:
            raise EksNotFound(f"No cluster found for name: {name}.")
        entries = _access_entries(cluster)
        body = json.loads(request.data or b"{}")
        method = request.method
        if not rest and method == "POST":
            principal = body["principalArn"]
            if principal in entries:
                raise EksInUse(f"The specified access entry resource is already in use on this cluster.")
            entries[principal] = {
                "clusterName": name,
                "principalArn": principal,
                "kubernetesGroups": body.get("kubernetesGroups", []),
                "accessEntryArn": f"arn:aws:eks:{region}:{DEFAULT_ACCOUNT_ID}:access-entry/{name}/{len(entries)}",
                "createdAt": _now(),
                "modifiedAt": _now(),
                "tags": body.get("tags", {}),
                "username": principal,
                "type": body.get("type", "STANDARD"),
                "_policies": {},
            }
            return 200, {}, json.dumps({"accessEntry": _public(entries[principal])})
        if not rest and method == "GET":
            return 200, {}, json.dumps({"accessEntries": list(entries)})
        principal = rest[0]
        entry = entries.get(principal)
        if entry is None:
            raise EksNotFound(f"The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")
        if len(rest) == 1 and method == "GET":
            return 200, {}, json.dumps({"accessEntry": _public(entry)})
        if len(rest) == 1 and method == "DELETE":
            del entries[principal]
            return 200, {}, "{}"
        if len(rest) == 2 and method == "POST":
            policy = body["policyArn"]
            entry["_policies"][policy] = {"policyArn": policy, "accessScope": body.get("accessScope", {"type": "cluster"}), "associatedAt": _now(), "modifiedAt": _now()}
            return 200, {}, json.dumps({"clusterName": name, "principalArn": principal, "associatedAccessPolicy": entry["_policies"][policy]})
        if len(rest) == 2 and method == "GET":
            return 200, {}, json.dumps({"clusterName": name, "principalArn": principal, "associatedAccessPolicies": list(entry["_policies"].values())})
        if len(rest) == 3 and method == "DELETE":
            entry["_policies"].pop(rest[2], None)
            return 200, {}, "{}"
        return 404, {}, json.dumps({"message": f"no route for {method} {raw}"})
    except JsonRESTError as e:
        return e.code, {"x-amzn-ErrorType": e.error_type}, json.dumps({"message": e.message})


def _public(entry):
    return {k: v for k, v in entry.items() if not k.startswith("_")}


eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries$"] = access_entries_handler
eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<rest>.+)$"] = access_entries_handler


# ---- 14: the cluster endpoint and CA of a real kube-apiserver ----

_moto_cluster_init = EksCluster.__init__


def cluster_init(self, *args, **kwargs):
    _moto_cluster_init(self, *args, **kwargs)
    endpoint = os.environ.get("AIRFLOW_AWS_MOTO_EKS_ENDPOINT")
    if endpoint:
        self.endpoint = endpoint
        self.certificate_authority = {"data": os.environ.get("AIRFLOW_AWS_MOTO_EKS_CA_DATA", "")}


EksCluster.__init__ = cluster_init


# ---- 15: the default caller is an IAM user ----

_moto_get_caller_identity = StsBackend.get_caller_identity


def get_caller_identity(self, access_key_id, region):
    user_id, arn, account_id = _moto_get_caller_identity(self, access_key_id, region)
    if arn.endswith(":user/moto") and ":sts::" in arn:
        arn = arn.replace(":sts::", ":iam::", 1)
    return user_id, arn, account_id


StsBackend.get_caller_identity = get_caller_identity

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
