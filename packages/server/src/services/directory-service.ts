/**
 * The partner tenant's directory as Graph shows it: security groups (the agent groups among them)
 * with their members, users and service principals. Enough to set up GDAP end to end; every read
 * and write stays within the caller's tenant.
 */
import { randomUUID } from 'node:crypto';
import { isGuid } from '@pcapi/contracts';
import type { Clock } from '../clock.js';
import type { Caller, PrincipalCredential } from '../domain/model.js';
import type { StoredGroup, StoredGroupMember } from '../store/gdap-rows.js';
import type { Store } from '../store/store.js';
import { GraphError } from '../surfaces/graph/graph-errors.js';

export interface NewGroup {
  displayName: string;
  mailNickname: string;
  description: string | null;
  securityEnabled: boolean;
  mailEnabled: boolean;
}

export type DirectoryObject = { kind: 'principal'; principal: PrincipalCredential } | { kind: 'group'; group: StoredGroup };

export class DirectoryService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  listGroups(caller: Caller): Promise<StoredGroup[]> {
    return this.deps.store.directoryGroups(caller.partner.tenantId);
  }

  async getGroup(caller: Caller, id: string): Promise<StoredGroup> {
    const group = (await this.listGroups(caller)).find((g) => g.groupId === id.toLowerCase());
    if (!group) throw new GraphError('notFound', `Resource '${id.slice(0, 80)}' does not exist or one of its queried reference-property objects are not present.`);
    return group;
  }

  async createGroup(caller: Caller, input: NewGroup): Promise<StoredGroup> {
    if (!input.securityEnabled || input.mailEnabled) {
      throw new GraphError('badRequest', 'pcapi serves security groups only: securityEnabled must be true and mailEnabled false.');
    }
    const name = input.displayName.trim();
    if (name.length === 0 || input.displayName.length > 256) throw new GraphError('badRequest', 'displayName must be 1 to 256 characters.');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.mailNickname)) {
      throw new GraphError('badRequest', 'mailNickname must be 1 to 64 characters: letters, digits, dot, hyphen or underscore.');
    }
    // Seed files name a tenant's groups by displayName, so pcapi keeps them unique (Graph does not).
    if ((await this.listGroups(caller)).some((g) => g.displayName.toLowerCase() === name.toLowerCase())) {
      throw new GraphError('conflict', `A group named '${name}' already exists in this tenant; pcapi keeps group names unique (seed files refer to groups by name).`);
    }
    const group: StoredGroup = {
      groupId: randomUUID(), tenantId: caller.partner.tenantId, displayName: name, description: input.description, mailNickname: input.mailNickname,
      agentRole: null, createdMs: this.deps.clock.now(),
    };
    const result = await this.deps.store.writeGdap({ kind: 'insertGroup', group });
    if (result !== 'ok') throw new GraphError('conflict', 'The group could not be created; retry.');
    return group;
  }

  async listMembers(caller: Caller, groupId: string): Promise<DirectoryObject[]> {
    const group = await this.getGroup(caller, groupId);
    const members = await this.deps.store.groupMembers(group.groupId);
    const principals = new Map((await this.deps.store.directoryPrincipals(caller.partner.tenantId)).map((p) => [p.objectId, p]));
    const groups = new Map((await this.listGroups(caller)).map((g) => [g.groupId, g]));
    return members.flatMap((m): DirectoryObject[] => {
      if (m.kind === 'group') return groups.has(m.memberId) ? [{ kind: 'group', group: groups.get(m.memberId)! }] : [];
      return principals.has(m.memberId) ? [{ kind: 'principal', principal: principals.get(m.memberId)! }] : [];
    });
  }

  /** `@odata.id`: a URL ending in directoryObjects/{id}, users/{id}, servicePrincipals/{id} or groups/{id}. */
  async addMember(caller: Caller, groupId: string, reference: unknown): Promise<void> {
    const group = await this.getGroup(caller, groupId);
    const memberId = /\/(?:directoryObjects|users|servicePrincipals|groups)\/([0-9a-fA-F-]{36})$/.exec(typeof reference === 'string' ? reference : '')?.[1];
    if (!memberId || !isGuid(memberId)) {
      throw new GraphError('badRequest', 'The body must be {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}.');
    }
    const member = await this.findObject(caller, memberId.toLowerCase());
    if (!member) throw new GraphError('notFound', `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`);
    if (member.kind === 'group' && member.group.groupId === group.groupId) throw new GraphError('badRequest', 'A group cannot be a member of itself.');
    const row: StoredGroupMember = member.kind === 'group'
      ? { groupId: group.groupId, memberId: member.group.groupId, kind: 'group' }
      : { groupId: group.groupId, memberId: member.principal.objectId, kind: member.principal.kind };
    const result = await this.deps.store.writeGdap({ kind: 'addGroupMember', member: row });
    if (result === 'exists') throw new GraphError('badRequest', "One or more added object references already exist for the following modified properties: 'members'.");
    if (result === 'missing') throw new GraphError('notFound', 'The group no longer exists.');
  }

  async removeMember(caller: Caller, groupId: string, memberId: string): Promise<void> {
    const group = await this.getGroup(caller, groupId);
    const result = await this.deps.store.writeGdap({ kind: 'removeGroupMember', groupId: group.groupId, memberId: memberId.toLowerCase() });
    if (result !== 'ok') throw new GraphError('notFound', `'${memberId.slice(0, 80)}' is not a member of the group.`);
  }

  async principals(caller: Caller, kind: 'user' | 'app'): Promise<PrincipalCredential[]> {
    return (await this.deps.store.directoryPrincipals(caller.partner.tenantId)).filter((p) => p.kind === kind);
  }

  /** A user by object id or userPrincipalName, as Graph's /users/{id | userPrincipalName}. */
  async getUser(caller: Caller, idOrName: string): Promise<PrincipalCredential> {
    const key = idOrName.toLowerCase();
    const user = (await this.principals(caller, 'user')).find((u) => u.objectId === key || u.userPrincipalName?.toLowerCase() === key);
    if (!user) throw new GraphError('notFound', `Resource '${idOrName.slice(0, 80)}' does not exist or one of its queried reference-property objects are not present.`);
    return user;
  }

  async getServicePrincipal(caller: Caller, id: string): Promise<PrincipalCredential> {
    const app = (await this.principals(caller, 'app')).find((p) => p.objectId === id.toLowerCase());
    if (!app) throw new GraphError('notFound', `Resource '${id.slice(0, 80)}' does not exist or one of its queried reference-property objects are not present.`);
    return app;
  }

  private async findObject(caller: Caller, id: string): Promise<DirectoryObject | undefined> {
    const principal = (await this.deps.store.directoryPrincipals(caller.partner.tenantId)).find((p) => p.objectId === id);
    if (principal) return { kind: 'principal', principal };
    const group = (await this.listGroups(caller)).find((g) => g.groupId === id);
    return group && { kind: 'group', group };
  }
}
