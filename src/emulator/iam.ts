import { randomBytes } from 'node:crypto';
import { base32, type Group, type User } from './fixture';
import type { PolicyDocument } from './policy';
import { principalAccount, principalArn, type Caller, type World } from './world';
import { ApiError, type XmlValue } from './xml';

export const IAM_ACTIONS = [
  'GetUser',
  'ListMFADevices',
  'ListAccountAliases',
  'ListAccessKeys',
  'GetAccessKeyLastUsed',
  'CreateAccessKey',
  'DeleteAccessKey',
  'UpdateAccessKey',
  'ListAttachedUserPolicies',
  'ListUserPolicies',
  'ListGroupsForUser',
  'ListAttachedGroupPolicies',
  'ListGroupPolicies',
  'GetUserPolicy',
  'GetGroupPolicy',
  'GetPolicy',
  'GetPolicyVersion',
] as const;

type Params = URLSearchParams;
type Result = { [name: string]: XmlValue } | undefined;

export function handleIam(world: World, action: string, params: Params, caller: Caller): Result {
  if (caller.kind === 'session' && caller.session.type === 'session-token' && caller.session.mfaAuthAt === undefined) {
    throw new ApiError(
      403,
      'AccessDenied',
      `User: ${principalArn(caller)} is not authorized to perform: iam:${action} because IAM API operations cannot be called with session credentials obtained without MFA; call GetSessionToken with SerialNumber and TokenCode`,
    );
  }
  const account = principalAccount(caller);
  const a = world.fixture.accounts[account];
  const allow = (resource: string) => world.authorizeIdentity(caller, `iam:${action}`, resource);
  const userArn = (u: User) => u.arn;

  switch (action) {
    case 'ListAccountAliases':
      allow('*');
      return { AccountAliases: a?.alias ? [a.alias] : [], IsTruncated: false };
    case 'GetUser': {
      const user = targetUser(world, params, caller);
      allow(userArn(user));
      return { User: userXml(user) };
    }
    case 'ListMFADevices': {
      const user = targetUser(world, params, caller);
      allow(userArn(user));
      return { MFADevices: user.mfa.map((d) => ({ UserName: user.name, SerialNumber: d.serial, EnableDate: d.enabled })), IsTruncated: false };
    }
    case 'ListAccessKeys': {
      const user = targetUser(world, params, caller);
      allow(userArn(user));
      return {
        AccessKeyMetadata: user.accessKeys.map((k) => ({ UserName: user.name, AccessKeyId: k.id, Status: k.status, CreateDate: k.created })),
        IsTruncated: false,
      };
    }
    case 'GetAccessKeyLastUsed': {
      const id = required(params, 'AccessKeyId');
      const found = world.findLongTermKey(id);
      if (!found || found.user.account !== account)
        throw new ApiError(
          403,
          'AccessDenied',
          `User: ${principalArn(caller)} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`,
        );
      allow(found.user.arn);
      const used = found.key.lastUsed;
      return {
        UserName: found.user.name,
        AccessKeyLastUsed: used ? { LastUsedDate: used.date, ServiceName: used.service, Region: used.region } : { ServiceName: 'N/A', Region: 'N/A' },
      };
    }
    case 'CreateAccessKey': {
      const user = targetUser(world, params, caller);
      allow(userArn(user));
      if (user.accessKeys.length >= 2) throw new ApiError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
      const key = {
        id: `AKIA${base32(randomBytes(10)).slice(0, 16)}`,
        secret: randomBytes(30).toString('base64').slice(0, 40),
        status: 'Active' as const,
        created: new Date(world.now()),
      };
      user.accessKeys.push(key);
      return { AccessKey: { UserName: user.name, AccessKeyId: key.id, Status: key.status, SecretAccessKey: key.secret, CreateDate: key.created } };
    }
    case 'DeleteAccessKey':
    case 'UpdateAccessKey': {
      const user = targetUser(world, params, caller);
      allow(userArn(user));
      const id = required(params, 'AccessKeyId');
      const key = user.accessKeys.find((k) => k.id === id);
      if (!key) throw new ApiError(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
      if (action === 'DeleteAccessKey') {
        user.accessKeys.splice(user.accessKeys.indexOf(key), 1);
      } else {
        const status = required(params, 'Status');
        if (status !== 'Active' && status !== 'Inactive')
          throw new ApiError(
            400,
            'ValidationError',
            `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
          );
        key.status = status;
      }
      return undefined;
    }
    case 'ListAttachedUserPolicies': {
      const user = targetUser(world, params, caller, true);
      allow(userArn(user));
      return { AttachedPolicies: attached(world, user.attachedPolicies), IsTruncated: false };
    }
    case 'ListUserPolicies': {
      const user = targetUser(world, params, caller, true);
      allow(userArn(user));
      return { PolicyNames: Object.keys(user.inlinePolicies), IsTruncated: false };
    }
    case 'ListGroupsForUser': {
      const user = targetUser(world, params, caller, true);
      allow(userArn(user));
      return {
        Groups: user.groups
          .map((g) => world.findGroup(user.account, g))
          .filter((g): g is Group => !!g)
          .map(groupXml),
        IsTruncated: false,
      };
    }
    case 'ListAttachedGroupPolicies': {
      const group = targetGroup(world, params, account);
      allow(group.arn);
      return { AttachedPolicies: attached(world, group.attachedPolicies), IsTruncated: false };
    }
    case 'ListGroupPolicies': {
      const group = targetGroup(world, params, account);
      allow(group.arn);
      return { PolicyNames: Object.keys(group.inlinePolicies), IsTruncated: false };
    }
    case 'GetUserPolicy': {
      const user = targetUser(world, params, caller, true);
      allow(userArn(user));
      const name = required(params, 'PolicyName');
      const doc = user.inlinePolicies[name];
      if (!doc) throw new ApiError(404, 'NoSuchEntity', `The user policy with name ${name} cannot be found.`);
      return { UserName: user.name, PolicyName: name, PolicyDocument: encodeDocument(doc) };
    }
    case 'GetGroupPolicy': {
      const group = targetGroup(world, params, account);
      allow(group.arn);
      const name = required(params, 'PolicyName');
      const doc = group.inlinePolicies[name];
      if (!doc) throw new ApiError(404, 'NoSuchEntity', `The group policy with name ${name} cannot be found.`);
      return { GroupName: group.name, PolicyName: name, PolicyDocument: encodeDocument(doc) };
    }
    case 'GetPolicy':
    case 'GetPolicyVersion': {
      const arn = required(params, 'PolicyArn');
      allow(arn);
      const policy = world.managedPolicy(arn);
      if (!policy) throw new ApiError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      if (action === 'GetPolicy') {
        const count =
          world.users().filter((u) => u.attachedPolicies.includes(arn)).length +
          Object.values(world.fixture.accounts)
            .flatMap((x) => Object.values(x.groups))
            .filter((g) => g.attachedPolicies.includes(arn)).length;
        return {
          Policy: {
            PolicyName: policy.name,
            PolicyId: policy.id,
            Arn: arn,
            Path: '/',
            DefaultVersionId: 'v1',
            AttachmentCount: count,
            PermissionsBoundaryUsageCount: 0,
            IsAttachable: true,
            CreateDate: policy.created,
            UpdateDate: policy.created,
          },
        };
      }
      const version = required(params, 'VersionId');
      if (version !== 'v1') throw new ApiError(404, 'NoSuchEntity', `Policy ${arn} version ${version} does not exist or is not attachable.`);
      return { PolicyVersion: { Document: encodeDocument(policy.document), VersionId: 'v1', IsDefaultVersion: true, CreateDate: policy.created } };
    }
    default:
      throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
  }
}

/** The user a call is about: UserName when given, else the calling user (roles must name one). */
function targetUser(world: World, params: Params, caller: Caller, nameRequired = false): User {
  const name = params.get('UserName');
  if (name === null) {
    if (nameRequired)
      throw new ApiError(400, 'ValidationError', "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
    if (caller.kind === 'user') return caller.user;
    if (caller.session.type === 'session-token' && caller.session.user) return caller.session.user;
    throw new ApiError(400, 'ValidationError', 'Must specify userName when calling with non-User credentials');
  }
  const user = world.findUser(name, principalAccount(caller));
  if (!user) throw new ApiError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`);
  return user;
}

function targetGroup(world: World, params: Params, account: string): Group {
  const name = required(params, 'GroupName');
  const group = world.findGroup(account, name);
  if (!group) throw new ApiError(404, 'NoSuchEntity', `The group with name ${name} cannot be found.`);
  return group;
}

function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    const member = name.charAt(0).toLowerCase() + name.slice(1);
    throw new ApiError(400, 'ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function attached(world: World, arns: string[]): XmlValue {
  return arns.map((arn) => ({ PolicyName: world.managedPolicy(arn)?.name ?? arn.split('/').pop() ?? arn, PolicyArn: arn }));
}

function userXml(user: User): XmlValue {
  return { Path: '/', UserName: user.name, UserId: user.id, Arn: user.arn, CreateDate: user.created };
}

function groupXml(group: Group): XmlValue {
  return { Path: '/', GroupName: group.name, GroupId: group.id, Arn: group.arn, CreateDate: group.created };
}

/** IAM returns policy documents URL-encoded (RFC 3986); clients decode them themselves. */
function encodeDocument(doc: PolicyDocument): string {
  return encodeURIComponent(JSON.stringify(doc));
}
