// Choices for the select boxes of the forms and filters, in tree order.
import type { Fleet } from '../bindings';
import type { Option, OptionGroup } from '../components/Fields';
import { buildTree, endpointLabel } from './tree';

function labelled(name: string, id: string): string {
  return name === id || name.trim() === '' ? id : `${name} (${id})`;
}

export function customerOptions(fleet: Fleet): Option[] {
  return buildTree(fleet).map(({ customer }) => ({
    value: customer.id,
    label: labelled(customer.name, customer.id),
  }));
}

/** Sites grouped under their customer; only `customer`'s when given. */
export function siteGroups(fleet: Fleet, customer = ''): OptionGroup[] {
  return buildTree(fleet)
    .filter((c) => customer === '' || c.customer.id === customer)
    .filter((c) => c.sites.length > 0)
    .map((c) => ({
      label: c.customer.name,
      options: c.sites.map(({ site }) => ({ value: site.id, label: labelled(site.name, site.id) })),
    }));
}

/** Endpoints grouped by "customer / site", leaving out `except` (an endpoint cannot point at itself). */
export function endpointGroups(fleet: Fleet, except = ''): OptionGroup[] {
  return buildTree(fleet).flatMap((c) =>
    c.sites
      .map(({ site, endpoints }) => ({
        label: `${c.customer.name} / ${site.name}`,
        options: endpoints
          .filter((e) => e.id !== except)
          .map((e) => ({ value: e.id, label: labelled(endpointLabel(e), e.id) })),
      }))
      .filter((g) => g.options.length > 0),
  );
}
