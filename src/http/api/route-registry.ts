import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Staff, StaffRole } from '../../application/ports';
import { DomainError } from '../../domain/errors';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * One endpoint: its zod schemas validate the request at run time, type the handler, and
 * describe it in the OpenAPI document — one source for all three.
 */
export interface ApiRoute<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express style, relative to /api/v1, e.g. `/cases/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Roles allowed; `public` needs no token. Finer rules (departments, 回避) live in the use cases. */
  roles: 'public' | readonly StaffRole[];
  params?: P;
  query?: Q;
  body?: B;
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; staff: Staff; req: Request; res: Response }) => Promise<unknown>;
}

/** Keeps the schema types flowing into the handler. */
export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(route: ApiRoute<P, Q, B>): ApiRoute {
  return route as unknown as ApiRoute;
}

const STAFF_KEY = 'staff';

export function currentStaff(res: Response): Staff | undefined {
  return res.locals[STAFF_KEY] as Staff | undefined;
}

export function setCurrentStaff(res: Response, staff: Staff): void {
  res.locals[STAFF_KEY] = staff;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return {} as z.output<T>;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new DomainError('REQUEST.INVALID', `The request ${where} is not valid: ${result.error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`).join('; ')}.`, {
    where,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message, code: issue.code })),
  });
}

/** Mounts the routes on `router`; `authenticate` runs before every non-public one and sets the staff member. */
export function mountRoutes(router: Router, routes: readonly ApiRoute[], authenticate: RequestHandler): void {
  for (const route of routes) {
    const guard: RequestHandler[] = route.roles === 'public' ? [] : [authenticate, requireRole(route.roles)];
    router[route.method](route.path, ...guard, async (req: Request, res: Response) => {
      const params = parse(route.params, req.params, 'path');
      const query = parse(route.query, req.query, 'query');
      const body = parse(route.body, req.body, 'body');
      const result = await route.handler({ params, query, body, staff: currentStaff(res)!, req, res });
      if (res.headersSent) return;
      if (result === undefined) res.status(route.response.status).end();
      else res.status(route.response.status).json(result);
    });
  }
}

function requireRole(roles: readonly StaffRole[]): RequestHandler {
  return (_req, res, next) => {
    const staff = currentStaff(res);
    if (!staff || !roles.includes(staff.role)) {
      next(new DomainError('AUTH.FORBIDDEN', `This needs one of the roles ${roles.join(', ')}; you are ${staff?.role ?? 'not signed in'}.`, { roles: [...roles] }));
      return;
    }
    next();
  };
}

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

const errorSchema = z.object({
  error: z.object({ code: z.string().describe('Stable code, e.g. CASE.NOT_FOUND'), message: z.string(), details: z.record(z.string(), z.unknown()) }),
});

/** OpenAPI 3.1 (its schemas are JSON Schema 2020-12, which zod writes directly). */
export function openApiDocument(routes: readonly ApiRoute[], info: { title: string; version: string; description: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters = [
      ...objectParameters(route.params, 'path'),
      ...objectParameters(route.query, 'query'),
    ];
    const responses: Record<string, unknown> = {
      [route.response.status]: {
        description: route.response.description,
        ...(route.response.schema || route.response.contentType
          ? { content: { [route.response.contentType ?? 'application/json']: { schema: route.response.schema ? jsonSchema(route.response.schema, 'output') : { type: 'string' } } } }
          : {}),
      },
      '400': { description: 'The request is not valid', content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } } },
      ...(route.roles === 'public'
        ? {}
        : {
            '401': { description: 'No valid token' },
            '403': { description: 'Your role may not do this' },
          }),
    };
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses,
      ...(route.roles === 'public' ? { security: [] } : { 'x-roles': route.roles }),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/v1/auth/login, or an API token (cit_…) from POST /api/v1/api-tokens' },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function objectParameters(schema: AnyObject | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
