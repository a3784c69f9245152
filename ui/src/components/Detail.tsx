// Everything stored about the selected customer, site or endpoint. Values come from
// files and endpoints, so they are only ever rendered as text.
import type { ComponentChildren } from 'preact';
import type { Check, Customer, Endpoint, Fleet, JsonValue, Site } from '../bindings';
import { dependents, descendants, endpointLabel, type EntityRef } from '../fleet/tree';
import { count, t, type MessageKey } from '../i18n';
import { openSshSession } from '../sessions/store';
import { reveal, selection } from '../state';
import { EndpointStatus, GroupStatus } from './EndpointStatus';
import { MaintenanceBlock } from './Maintenance';

type Props = { fleet: Fleet; onEdit: (ref: EntityRef) => void; onDelete: (ref: EntityRef) => void };

function Item({
  label,
  children,
  testId,
}: {
  label: MessageKey;
  children: ComponentChildren;
  testId?: string;
}) {
  return (
    <>
      <dt>{t(label)}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

function None() {
  return <span class="muted">{t('value.none')}</span>;
}

function text(value: string) {
  return value.trim() === '' ? <None /> : value;
}

function Link({ fleet, to }: { fleet: Fleet; to: EntityRef }) {
  const label =
    to.kind === 'customer'
      ? fleet.customers.find((c) => c.id === to.id)?.name
      : to.kind === 'site'
        ? fleet.sites.find((s) => s.id === to.id)?.name
        : (() => {
            const e = fleet.endpoints.find((x) => x.id === to.id);
            return e ? endpointLabel(e) : undefined;
          })();
  return (
    <button
      type="button"
      class="link"
      onClick={() => {
        reveal(to);
      }}
    >
      {label ?? to.id}
      {label !== undefined && label !== to.id ? <span class="muted"> ({to.id})</span> : null}
    </button>
  );
}

function paramText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Checks({ checks }: { checks: Check[] }) {
  if (checks.length === 0) return <span class="muted">{t('detail.noChecks')}</span>;
  return (
    <ul class="checks">
      {checks.map((c, i) => (
        <li key={i}>
          <code class="check-kind">{c.kind}</code>
          {Object.entries(c.params).map(([key, value]) => (
            <span key={key} class="param">
              {key}={paramText(value)}
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}

function CustomerFields({ fleet, customer }: { fleet: Fleet; customer: Customer }) {
  const n = descendants(fleet, { kind: 'customer', id: customer.id });
  return (
    <dl>
      <Item label="field.id">{customer.id}</Item>
      <Item label="field.name">{customer.name}</Item>
      <Item label="field.sites">{count(n.sites, 'sites')}</Item>
      <Item label="field.endpoints">{count(n.endpoints, 'endpoints')}</Item>
      <Item label="field.notes">
        <span class="notes">{text(customer.notes)}</span>
      </Item>
    </dl>
  );
}

function SiteFields({ fleet, site }: { fleet: Fleet; site: Site }) {
  const n = descendants(fleet, { kind: 'site', id: site.id });
  return (
    <dl>
      <Item label="field.id">{site.id}</Item>
      <Item label="field.name">{site.name}</Item>
      <Item label="field.customer">
        <Link fleet={fleet} to={{ kind: 'customer', id: site.customer }} />
      </Item>
      <Item label="field.timezone">{site.timezone}</Item>
      <Item label="field.endpoints">{count(n.endpoints, 'endpoints')}</Item>
      <Item label="field.notes">
        <span class="notes">{text(site.notes)}</span>
      </Item>
    </dl>
  );
}

function EndpointFields({ fleet, endpoint: e }: { fleet: Fleet; endpoint: Endpoint }) {
  const site = fleet.sites.find((s) => s.id === e.site);
  const usedBy = dependents(fleet, { kind: 'endpoint', id: e.id });
  return (
    <dl>
      <Item label="field.id">{e.id}</Item>
      <Item label="field.name">{text(e.name)}</Item>
      <Item label="field.host" testId="detail-host">
        {e.host}
      </Item>
      <Item label="field.tags">
        {e.tags.length === 0 ? (
          <None />
        ) : (
          e.tags.map((tag) => (
            <span key={tag} class="tag">
              {tag}
            </span>
          ))
        )}
      </Item>
      <Item label="field.site">
        {site ? (
          <>
            <Link fleet={fleet} to={{ kind: 'customer', id: site.customer }} /> /{' '}
            <Link fleet={fleet} to={{ kind: 'site', id: site.id }} />
          </>
        ) : (
          e.site
        )}
      </Item>
      <Item label="field.parent">
        {e.parent === null ? <None /> : <Link fleet={fleet} to={{ kind: 'endpoint', id: e.parent }} />}
      </Item>
      {usedBy.length > 0 ? (
        <Item label="detail.usedBy">
          {usedBy.map((d) => (
            <Link key={d.id} fleet={fleet} to={{ kind: 'endpoint', id: d.id }} />
          ))}
        </Item>
      ) : null}
      <Item label="field.sshUser">{e.ssh.user ?? <None />}</Item>
      <Item label="field.sshPort">{e.ssh.port ?? <span class="muted">{t('value.defaultPort')}</span>}</Item>
      <Item label="field.sshJump">
        {e.ssh.jump === null ? <None /> : <Link fleet={fleet} to={{ kind: 'endpoint', id: e.ssh.jump }} />}
      </Item>
      <Item label="field.sshCredential">{e.ssh.credential ?? <None />}</Item>
      <Item label="field.checks">
        <Checks checks={e.checks} />
      </Item>
      <Item label="field.notes">
        <span class="notes">{text(e.notes)}</span>
      </Item>
    </dl>
  );
}

function find(fleet: Fleet, ref: EntityRef) {
  switch (ref.kind) {
    case 'customer': {
      const customer = fleet.customers.find((c) => c.id === ref.id);
      return (
        customer && {
          title: customer.name || customer.id,
          kind: 'entity.customer' as const,
          body: (
            <>
              <GroupStatus kind="customer" id={customer.id} />
              <MaintenanceBlock fleet={fleet} entity={{ kind: 'customer', id: customer.id }} />
              <h3>{t('status.inventory')}</h3>
              <CustomerFields fleet={fleet} customer={customer} />
            </>
          ),
          demo: customer.demo,
        }
      );
    }
    case 'site': {
      const site = fleet.sites.find((s) => s.id === ref.id);
      return (
        site && {
          title: site.name || site.id,
          kind: 'entity.site' as const,
          body: (
            <>
              <GroupStatus kind="site" id={site.id} />
              <MaintenanceBlock fleet={fleet} entity={{ kind: 'site', id: site.id }} />
              <h3>{t('status.inventory')}</h3>
              <SiteFields fleet={fleet} site={site} />
            </>
          ),
          demo: false,
        }
      );
    }
    case 'endpoint': {
      const endpoint = fleet.endpoints.find((e) => e.id === ref.id);
      return (
        endpoint && {
          title: endpointLabel(endpoint),
          kind: 'entity.endpoint' as const,
          body: (
            <>
              <EndpointStatus endpoint={endpoint} />
              <MaintenanceBlock fleet={fleet} entity={{ kind: 'endpoint', id: endpoint.id }} />
              <h3>{t('status.inventory')}</h3>
              <EndpointFields fleet={fleet} endpoint={endpoint} />
            </>
          ),
          demo: false,
        }
      );
    }
  }
}

export function Detail({ fleet, onEdit, onDelete }: Props) {
  const ref = selection.value;
  const found = ref ? find(fleet, ref) : undefined;
  if (!ref || !found) {
    return (
      <section class="detail empty" data-testid="detail" aria-label={t('detail.label')}>
        <p class="muted">{t('detail.none')}</p>
      </section>
    );
  }
  return (
    <section class="detail" data-testid="detail" aria-label={t('detail.label')}>
      <header class="detail-header">
        <div>
          <span class="kind">{t(found.kind)}</span>
          {found.demo ? <span class="tag demo">{t('detail.demo')}</span> : null}
          <h2 data-testid="detail-title">{found.title}</h2>
        </div>
        <div class="detail-actions">
          {ref.kind === 'endpoint' ? (
            <button
              type="button"
              data-testid="open-ssh"
              onClick={() => {
                openSshSession(ref.id);
              }}
            >
              {t('detail.openSsh')}
            </button>
          ) : null}
          <button
            type="button"
            data-testid="edit"
            onClick={() => {
              onEdit(ref);
            }}
          >
            {t('detail.edit')}
          </button>
          <button
            type="button"
            class="danger"
            data-testid="delete"
            onClick={() => {
              onDelete(ref);
            }}
          >
            {t('detail.delete')}
          </button>
        </div>
      </header>
      {found.body}
    </section>
  );
}
