/** /v1.0/groups (with members and $ref), /v1.0/users and /v1.0/servicePrincipals: the partner tenant's directory. */
import type { FastifyInstance } from 'fastify';
import type { DirectoryObject } from '../../services/directory-service.js';
import { bodyObject, groupJson, servicePrincipalJson, stringProperty, userJson } from './graph-json.js';
import type { GraphContext } from './graph-surface.js';
import type { ODataOptions } from './odata.js';

const GROUP_READ = ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const GROUP_WRITE = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_WRITE = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const USER_READ = ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const APP_READ = ['Application.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

const GROUP_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.group',
  filterable: { id: 'guid', displayName: 'string', mailNickname: 'string', securityEnabled: 'boolean', mailEnabled: 'boolean' },
  selectable: ['id', 'displayName', 'description', 'mailNickname', 'mailEnabled', 'securityEnabled', 'groupTypes', 'createdDateTime'],
  orderable: ['displayName', 'createdDateTime'],
};
const USER_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.user',
  filterable: { id: 'guid', userPrincipalName: 'string', displayName: 'string', mail: 'string', accountEnabled: 'boolean' },
  selectable: ['id', 'displayName', 'userPrincipalName', 'mail', 'accountEnabled'],
  orderable: ['displayName', 'userPrincipalName'],
};
const SERVICE_PRINCIPAL_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.servicePrincipal',
  filterable: { id: 'guid', appId: 'guid', displayName: 'string' },
  selectable: ['id', 'appId', 'displayName', 'servicePrincipalType', 'accountEnabled'],
  orderable: ['displayName'],
};
const MEMBER_OPTIONS: ODataOptions = { filterable: { id: 'guid', displayName: 'string' }, selectable: ['id', 'displayName', 'userPrincipalName', 'appId'], orderable: ['displayName'] };

function memberJson(member: DirectoryObject): Record<string, unknown> {
  if (member.kind === 'group') return { '@odata.type': '#microsoft.graph.group', ...groupJson(member.group) };
  return member.principal.kind === 'user' ? userJson(member.principal) : servicePrincipalJson(member.principal);
}

type Params = { id: string; memberId?: string };

export function registerDirectoryRoutes(app: FastifyInstance, graph: GraphContext): void {
  const { directory } = graph;

  app.get('/groups', async (request, reply) => {
    graph.requirePermission(request, GROUP_READ);
    return graph.collection(request, reply, 'groups', (await directory.listGroups(graph.caller(request))).map(groupJson), GROUP_OPTIONS);
  });
  app.post('/groups', async (request, reply) => {
    graph.requirePermission(request, GROUP_WRITE);
    const body = bodyObject(request.body, ['displayName', 'mailNickname', 'description', 'securityEnabled', 'mailEnabled', 'groupTypes'], ['id', 'createdDateTime'], 'group');
    const group = await directory.createGroup(graph.caller(request), {
      displayName: stringProperty(body, 'displayName', true)!,
      mailNickname: stringProperty(body, 'mailNickname', true)!,
      description: stringProperty(body, 'description', false) ?? null,
      securityEnabled: body.securityEnabled === true,
      mailEnabled: body.mailEnabled === true,
    });
    return graph.entity(request, reply, 'groups', groupJson(group), GROUP_OPTIONS.selectable, 201, graph.url(`groups/${group.groupId}`));
  });
  app.get<{ Params: Params }>('/groups/:id', async (request, reply) => {
    graph.requirePermission(request, GROUP_READ);
    return graph.entity(request, reply, 'groups', groupJson(await directory.getGroup(graph.caller(request), request.params.id)), GROUP_OPTIONS.selectable);
  });
  app.get<{ Params: Params }>('/groups/:id/members', async (request, reply) => {
    graph.requirePermission(request, GROUP_READ);
    const members = (await directory.listMembers(graph.caller(request), request.params.id)).map(memberJson);
    return graph.collection(request, reply, 'directoryObjects', members, MEMBER_OPTIONS);
  });
  app.post<{ Params: Params }>('/groups/:id/members/$ref', async (request, reply) => {
    graph.requirePermission(request, MEMBER_WRITE);
    const body = bodyObject(request.body, [], [], 'reference');
    await directory.addMember(graph.caller(request), request.params.id, body['@odata.id']);
    return reply.code(204).send();
  });
  app.delete<{ Params: Params }>('/groups/:id/members/:memberId/$ref', async (request, reply) => {
    graph.requirePermission(request, MEMBER_WRITE);
    await directory.removeMember(graph.caller(request), request.params.id, request.params.memberId!);
    return reply.code(204).send();
  });

  app.get('/users', async (request, reply) => {
    graph.requirePermission(request, USER_READ);
    return graph.collection(request, reply, 'users', (await directory.principals(graph.caller(request), 'user')).map(userJson), USER_OPTIONS);
  });
  app.get<{ Params: Params }>('/users/:id', async (request, reply) => {
    graph.requirePermission(request, USER_READ);
    return graph.entity(request, reply, 'users', userJson(await directory.getUser(graph.caller(request), request.params.id)), USER_OPTIONS.selectable);
  });
  app.get('/servicePrincipals', async (request, reply) => {
    graph.requirePermission(request, APP_READ);
    return graph.collection(request, reply, 'servicePrincipals', (await directory.principals(graph.caller(request), 'app')).map(servicePrincipalJson), SERVICE_PRINCIPAL_OPTIONS);
  });
  app.get<{ Params: Params }>('/servicePrincipals/:id', async (request, reply) => {
    graph.requirePermission(request, APP_READ);
    return graph.entity(request, reply, 'servicePrincipals', servicePrincipalJson(await directory.getServicePrincipal(graph.caller(request), request.params.id)), SERVICE_PRINCIPAL_OPTIONS.selectable);
  });
}
