import { GenericContainer, StartedTestContainer } from 'testcontainers';

export const API_PORT: 8080;
export const ADMIN_PORT: 8081;
export const DEFAULT_AUTH_ID: string;
export const DEFAULT_AUTH_TOKEN: string;

export interface Session {
  id: string;
  auth_id: string;
  auth_token: string;
  active: string[];
}

export class PhlomockContainer extends GenericContainer {
  constructor(image: string);
  withScenario(...names: string[]): this;
  withScenarioFile(hostPath: string): this;
  withCredentials(authID: string, authToken: string): this;
  withAdminToken(token: string): this;
  start(): Promise<StartedPhlomockContainer>;
}

export class StartedPhlomockContainer {
  readonly container: StartedTestContainer;
  readonly apiURL: string;
  readonly adminURL: string;
  readonly authID: string;
  readonly authToken: string;
  readonly adminToken: string;
  newSession(...scenarios: string[]): Promise<Session>;
  journal(limit?: number): Promise<{ entries: Array<Record<string, unknown>>; next: number; more: boolean }>;
  stop(): Promise<unknown>;
}
