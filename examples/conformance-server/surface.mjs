// The MCP surface the conformance suite's active server scenarios expect (tool, resource and
// prompt names and payloads from @modelcontextprotocol/conformance 0.1.16), built on McpServer.
// One instance serves one client session.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { RED_PIXEL_PNG_BASE64, SILENT_WAV_BASE64 } from './media.mjs';

export const WATCHED_RESOURCE_URI = 'test://watched-resource';
const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

// Severity order of MCP log levels, for logging/setLevel filtering.
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (t) => ({ type: 'text', text: t });
const NO_ARGUMENTS = { type: 'object', properties: {} };

export function createConformanceServer() {
  const mcp = new McpServer(
    { name: 'mcpgw-conformance-server', version: '1.0.0' },
    { capabilities: { logging: {} } },
  );
  const server = mcp.server;
  let minimumLogLevel = 'debug';
  const subscriptions = new Set();
  let watchedVersion = 0;

  // Log notifications are sent as part of the calling request (so over HTTP they travel on that
  // request's SSE stream), after the level filter that logging/setLevel sets.
  const log = async (extra, level, data) => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(minimumLogLevel)) return;
    await extra.sendNotification({ method: 'notifications/message', params: { level, data } });
  };

  // The JSON Schema each tool advertises. tools/list is served from this table so that 2020-12
  // keywords ($schema, $defs, additionalProperties) reach the client unchanged; McpServer's own
  // listing would convert the zod shapes below to draft-07.
  const advertisedSchemas = new Map();
  const tool = (name, description, inputSchema, zodShape, handler) => {
    advertisedSchemas.set(name, { name, description, inputSchema });
    mcp.registerTool(name, { description, inputSchema: zodShape }, handler);
  };

  tool('test_simple_text', 'Returns a simple text response', NO_ARGUMENTS, {}, async () => ({
    content: [text('This is a simple text response for testing.')],
  }));

  tool('test_image_content', 'Returns a 1x1 red PNG image', NO_ARGUMENTS, {}, async () => ({
    content: [{ type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' }],
  }));

  tool('test_audio_content', 'Returns a short silent WAV clip', NO_ARGUMENTS, {}, async () => ({
    content: [{ type: 'audio', data: SILENT_WAV_BASE64, mimeType: 'audio/wav' }],
  }));

  tool('test_embedded_resource', 'Returns an embedded text resource', NO_ARGUMENTS, {}, async () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }));

  tool('test_multiple_content_types', 'Returns text, image and resource content', NO_ARGUMENTS, {},
    async () => ({
      content: [
        text('Multiple content types test:'),
        { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }));

  tool('test_tool_with_logging', 'Sends three info log notifications while it runs', NO_ARGUMENTS, {},
    async (_args, extra) => {
      await log(extra, 'info', 'Tool execution started');
      await sleep(50);
      await log(extra, 'info', 'Tool processing data');
      await sleep(50);
      await log(extra, 'info', 'Tool execution completed');
      return { content: [text('Tool with logging executed successfully')] };
    });

  tool('test_error_handling', 'Always fails with a tool error', NO_ARGUMENTS, {}, async () => ({
    isError: true,
    content: [text('This tool intentionally returns an error for testing')],
  }));

  tool('test_tool_with_progress', 'Reports progress 0, 50 and 100 of 100', NO_ARGUMENTS, {},
    async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `progress ${progress}/100` },
          });
        }
        if (progress < 100) await sleep(50);
      }
      return { content: [text('Tool with progress completed')] };
    });

  tool('test_sampling', 'Asks the client to sample an LLM completion for a prompt',
    { type: 'object', properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } }, required: ['prompt'] },
    { prompt: z.string().describe('The prompt to send to the LLM') },
    async ({ prompt }, extra) => {
      if (!server.getClientCapabilities()?.sampling) {
        return { isError: true, content: [text('The client does not support sampling')] };
      }
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: text(prompt) }], maxTokens: 100 },
        },
        CreateMessageResultSchema,
      );
      const reply = result.content?.type === 'text' ? result.content.text : JSON.stringify(result.content);
      return { content: [text(`LLM response: ${reply}`)] };
    });

  const elicit = async (extra, message, requestedSchema) => {
    if (!server.getClientCapabilities()?.elicitation) {
      return { isError: true, content: [text('The client does not support elicitation')] };
    }
    const result = await extra.sendRequest(
      { method: 'elicitation/create', params: { message, requestedSchema } },
      ElicitResultSchema,
    );
    return {
      content: [
        text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`),
      ],
    };
  };

  tool('test_elicitation', 'Asks the user for a username and an email address',
    { type: 'object', properties: { message: { type: 'string', description: 'The message to show the user' } }, required: ['message'] },
    { message: z.string().describe('The message to show the user') },
    async ({ message }, extra) =>
      elicit(extra, message, {
        type: 'object',
        properties: {
          username: { type: 'string', description: "User's response" },
          email: { type: 'string', description: "User's email address" },
        },
        required: ['username', 'email'],
      }));

  tool('test_elicitation_sep1034_defaults', 'Elicits every primitive type with a default value',
    NO_ARGUMENTS, {}, async (_args, extra) =>
      elicit(extra, 'Please review and update the form fields with defaults', {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      }));

  tool('test_elicitation_sep1330_enums', 'Elicits the five enum schema variants',
    NO_ARGUMENTS, {}, async (_args, extra) =>
      elicit(extra, 'Please select options from the enum fields', {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Titled single-select',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            description: 'Legacy titled enum',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            description: 'Untitled multi-select',
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            description: 'Titled multi-select',
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
        required: [],
      }));

  tool('json_schema_2020_12_tool', 'Tool with JSON Schema 2020-12 features',
    {
      $schema: JSON_SCHEMA_2020_12,
      type: 'object',
      $defs: {
        address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
      },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
    {
      name: z.string().optional(),
      address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional(),
    },
    async (args) => ({ content: [text(`Received: ${JSON.stringify(args)}`)] }));

  // For server-sse-polling (SEP-1699): over HTTP with an event store, the server ends the POST's
  // SSE stream mid-call; the client resumes with Last-Event-ID and gets the result replayed.
  tool('test_reconnection', 'Closes its SSE stream mid-call, then completes', NO_ARGUMENTS, {},
    async (_args, extra) => {
      await sleep(50);
      extra.closeSSEStream?.();
      await sleep(200);
      return { content: [text('Reconnection test completed')] };
    });

  // A helper outside the suite: changes the watched resource and notifies its subscribers, so
  // end-to-end tests can see notifications/resources/updated travel through a gateway.
  tool('update_watched_resource', 'Changes test://watched-resource and notifies subscribers',
    NO_ARGUMENTS, {}, async (_args, extra) => {
      watchedVersion += 1;
      if (subscriptions.has(WATCHED_RESOURCE_URI)) {
        await extra.sendNotification({
          method: 'notifications/resources/updated',
          params: { uri: WATCHED_RESOURCE_URI },
        });
      }
      return { content: [text(`watched resource is now at version ${watchedVersion}`)] };
    });

  mcp.registerResource('static-text', 'test://static-text',
    { description: 'A static text resource', mimeType: 'text/plain' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    }));

  mcp.registerResource('static-binary', 'test://static-binary',
    { description: 'A static binary resource (1x1 PNG)', mimeType: 'image/png' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: RED_PIXEL_PNG_BASE64 }] }));

  mcp.registerResource('template-data', new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'Data for an id, from a URI template', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        },
      ],
    }));

  mcp.registerResource('watched-resource', WATCHED_RESOURCE_URI,
    { description: 'A resource that supports subscriptions', mimeType: 'text/plain' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Watched resource, version ${watchedVersion}` }],
    }));

  mcp.registerPrompt('test_simple_prompt', { description: 'A simple prompt without arguments' }, () => ({
    messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }],
  }));

  mcp.registerPrompt('test_prompt_with_arguments',
    {
      description: 'A prompt with two required arguments',
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), (value) =>
          ['paris', 'park', 'party', 'test', 'testValue1'].filter((v) => v.startsWith(value ?? ''))),
        arg2: z.string().describe('Second test argument'),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }],
    }));

  mcp.registerPrompt('test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: text('Please process the embedded resource above.') },
      ],
    }));

  mcp.registerPrompt('test_prompt_with_image', { description: 'A prompt with image content' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  }));

  // Handlers McpServer does not provide, installed after the registrations above so that they
  // replace McpServer's own tools/list and logging/setLevel.
  server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...advertisedSchemas.values()] }));
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimumLogLevel = request.params.level;
    return {};
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  return mcp;
}
